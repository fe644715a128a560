from django.contrib import admin

from .models import Channel, ChannelFollow, ChannelModerator, ChannelStreamKey, Stream


class ChannelModeratorInline(admin.TabularInline):
    model = ChannelModerator
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner", "category", "language", "created_at"]
    list_filter = ["category", "created_at"]
    search_fields = ["name", "slug", "owner__handle"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    inlines = [ChannelModeratorInline]


@admin.register(Stream)
class StreamAdmin(admin.ModelAdmin):
    list_display = ["title", "channel", "status", "scheduled_for", "started_at", "ended_at", "peak_viewers",
                    "unique_viewers"]
    list_filter = ["status", "category"]
    search_fields = ["title", "channel__name", "channel__slug"]
    list_select_related = ["channel"]
    raw_id_fields = ["channel"]
    readonly_fields = ["started_at", "ended_at", "current_viewers", "peak_viewers", "unique_viewers"]


@admin.register(ChannelFollow)
class ChannelFollowAdmin(admin.ModelAdmin):
    list_display = ["user", "channel", "notify", "created_at"]
    search_fields = ["user__handle", "channel__slug"]
    list_select_related = ["user", "channel"]
    raw_id_fields = ["user", "channel"]


@admin.register(ChannelStreamKey)
class ChannelStreamKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are created, rotated and revoked by the channel's owner (streams.stream_keys)."""

    list_display = ["prefix", "channel", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["prefix", "channel__slug"]
    list_select_related = ["channel"]
    readonly_fields = ["channel", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
