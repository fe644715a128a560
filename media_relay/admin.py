from django.contrib import admin

from .models import StreamKey


@admin.register(StreamKey)
class StreamKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are created, rotated and revoked by the room's leader (media_relay.stream_keys)."""

    list_display = ["prefix", "room", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["prefix", "room__code", "user__handle"]
    list_select_related = ["room", "user"]
    readonly_fields = ["user", "room", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
