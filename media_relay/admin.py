from django.contrib import admin

from .models import HlsOutput, HlsSession, Recording, RecordingPart, StreamKey


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


class RecordingPartInline(admin.TabularInline):
    model = RecordingPart
    extra = 0
    can_delete = False
    fields = readonly_fields = ["file", "started_at", "duration", "size", "tracks"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    """Read-only: the room's leader starts and stops recordings (media_relay.recordings), the relay writes the parts."""

    list_display = ["id", "room", "started_by", "started_at", "stopped_at", "stopped_by"]
    list_filter = [("stopped_at", admin.EmptyFieldListFilter), "started_at"]
    search_fields = ["room__code", "room__name", "started_by__handle"]
    list_select_related = ["room", "started_by", "stopped_by"]
    readonly_fields = ["room", "started_by", "started_at", "stopped_at", "stopped_by"]
    inlines = [RecordingPartInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class HlsSessionInline(admin.TabularInline):
    model = HlsSession
    extra = 0
    can_delete = False
    fields = readonly_fields = ["name", "directory", "started_at", "ended_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HlsOutput)
class HlsOutputAdmin(admin.ModelAdmin):
    """Read-only: apps switch HLS on and off (media_relay.hls_output), the relay writes the sessions."""

    list_display = ["id", "relay_room", "started_at", "stopped_at"]
    list_filter = [("stopped_at", admin.EmptyFieldListFilter), "started_at"]
    search_fields = ["relay_room"]
    readonly_fields = ["relay_room", "started_at", "stopped_at"]
    inlines = [HlsSessionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
