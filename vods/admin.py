from django.contrib import admin, messages

from config.errors import ApplicationError
from vods.models import Clip, Vod, VodRendition
from vods.services import vod_retry


class VodRenditionInline(admin.TabularInline):
    model = VodRendition
    extra = 0
    readonly_fields = ("name", "width", "height", "bandwidth", "directory", "created_at")
    can_delete = False


@admin.register(Vod)
class VodAdmin(admin.ModelAdmin):
    list_display = ("title", "channel", "status", "progress", "visibility", "created_at")
    list_filter = ("status", "visibility")
    raw_id_fields = ("channel", "stream")
    readonly_fields = ("status", "progress", "failure_reason", "claimed_at", "relay_room")
    inlines = [VodRenditionInline]
    actions = ["retry"]

    @admin.action(description="Retry processing (failed or stuck VODs)")
    def retry(self, request, queryset):
        for vod in queryset.select_related("channel"):
            try:
                vod_retry(actor=request.user, vod=vod)
            except ApplicationError as err:
                self.message_user(request, f"{vod}: {err.message}", messages.WARNING)


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    """Staff look clips up here; hiding one goes through a moderation case (reports), which audits it."""

    list_display = ("title", "slug", "channel", "creator", "source", "status", "views", "likes", "hidden_at", "created_at")
    list_filter = ("status", "source", ("hidden_at", admin.EmptyFieldListFilter))
    search_fields = ("slug", "title", "channel__slug", "creator__handle")
    list_select_related = ("channel", "creator")
    readonly_fields = [field.name for field in Clip._meta.fields]

    def has_add_permission(self, request):
        return False  # clips are cut by viewers from a stream or VOD
