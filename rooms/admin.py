from django.contrib import admin

from .models import ChatMessage, MatchRequest, QueueItem, Room, RoomBan, RoomInvite, RoomMember, WatchSession
from .services.membership import room_close


class RoomMemberInline(admin.TabularInline):
    model = RoomMember
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["joined_at", "connections", "disconnected_at", "drift_ms"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "visibility", "max_members", "is_locked", "is_permanent", "created_by", "created_at", "closed_at"]
    list_filter = ["kind", "visibility", "is_locked", "is_matchmade", "is_permanent", ("closed_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "code", "topic", "created_by__handle"]
    list_select_related = ["created_by"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["code", "created_at", "closed_at", "state_version", "position", "position_at"]
    inlines = [RoomMemberInline]
    actions = ["close_rooms"]

    @admin.action(description="Close the selected rooms")
    def close_rooms(self, request, queryset):
        for room in queryset.filter(closed_at__isnull=True):
            room_close(room=room, reason="closed_by_staff")


@admin.register(RoomMember)
class RoomMemberAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "role", "is_muted", "connections", "joined_at"]
    list_filter = ["role", "is_muted", "joined_at"]
    search_fields = ["room__name", "room__code", "user__handle"]
    list_select_related = ["room", "user"]
    raw_id_fields = ["room", "user"]


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ["room", "author", "body", "created_at", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["body", "author__handle", "room__code"]
    list_select_related = ["room", "author"]
    raw_id_fields = ["room", "author", "deleted_by"]


@admin.register(RoomInvite)
class RoomInviteAdmin(admin.ModelAdmin):
    list_display = ["code", "room", "created_by", "invited_user", "expires_at", "uses", "max_uses"]
    list_filter = ["expires_at"]
    search_fields = ["code", "room__code", "created_by__handle"]
    list_select_related = ["room", "created_by", "invited_user"]
    raw_id_fields = ["room", "created_by", "invited_user"]


@admin.register(RoomBan)
class RoomBanAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "until", "created_by", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["room__code", "user__handle"]
    list_select_related = ["room", "user", "created_by"]
    raw_id_fields = ["room", "user", "created_by"]


@admin.register(QueueItem)
class QueueItemAdmin(admin.ModelAdmin):
    list_display = ["room", "order", "kind", "url", "added_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["url", "title", "room__code"]
    list_select_related = ["room", "added_by"]
    raw_id_fields = ["room", "added_by"]


@admin.register(WatchSession)
class WatchSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "room", "started_at", "ended_at", "active_seconds"]
    list_filter = ["started_at", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__handle", "room__code"]
    list_select_related = ["user", "room"]
    raw_id_fields = ["user", "room"]


@admin.register(MatchRequest)
class MatchRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "speaks", "learns", "created_at", "matched_at", "partner"]
    list_filter = ["status", "created_at"]
    search_fields = ["user__handle"]
    list_select_related = ["user", "partner"]
    raw_id_fields = ["user", "partner", "room"]
