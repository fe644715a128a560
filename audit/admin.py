from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail is append-only: readable, never editable."""

    list_display = ["created_at", "actor", "verb", "target_type", "target_repr"]
    list_filter = ["verb", "target_type", "created_at", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["actor__handle", "target_repr", "target_id", "verb", "details__icontains"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
