from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import (
    ApiToken,
    Block,
    DeviceSession,
    Follow,
    FriendRequest,
    Friendship,
    Notification,
    PresenceConnection,
    User,
)
from .services.sessions import sessions_end_all
from .services.users import user_deactivate, user_reactivate


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["handle", "email", "display_name", "is_staff", "is_active", "deactivated_at", "premium_until", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", ("deactivated_at", admin.EmptyFieldListFilter), "date_joined"]
    search_fields = ["handle", "email", "display_name"]
    readonly_fields = ["date_joined", "last_login", "last_seen_at", "handle_changed_at", "deactivated_at"]
    fieldsets = [
        (None, {"fields": ["handle", "email", "password"]}),
        ("Profile", {"fields": ["display_name", "avatar", "bio", "native_languages", "learning_languages", "timezone"]}),
        ("Privacy", {"fields": ["stats_visibility", "friends_visibility", "friend_requests_from", "is_searchable"]}),
        ("Premium", {"fields": ["premium_until"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["date_joined", "last_login", "last_seen_at", "handle_changed_at", "deactivated_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["handle", "email", "password1", "password2"]})]
    actions = ["end_sessions", "deactivate", "reactivate"]

    @admin.action(description="Sign out of every session")
    def end_sessions(self, request, queryset):
        for user in queryset:
            sessions_end_all(user=user, reason="signed_out")
        messages.success(request, f"Signed out {queryset.count()} account(s).")

    @admin.action(description="Deactivate (purged after 30 days)")
    def deactivate(self, request, queryset):
        for user in queryset.filter(deactivated_at__isnull=True):
            user_deactivate(user=user)

    @admin.action(description="Reactivate")
    def reactivate(self, request, queryset):
        for user in queryset.filter(deactivated_at__isnull=False):
            user_reactivate(user=user)


@admin.register(FriendRequest)
class FriendRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "from_user", "to_user", "status", "created_at", "responded_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["from_user__handle", "to_user__handle"]
    list_select_related = ["from_user", "to_user"]
    raw_id_fields = ["from_user", "to_user"]


@admin.register(Friendship)
class FriendshipAdmin(admin.ModelAdmin):
    list_display = ["user", "friend", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__handle", "friend__handle"]
    list_select_related = ["user", "friend"]
    raw_id_fields = ["user", "friend"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followee", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["follower__handle", "followee__handle"]
    list_select_related = ["follower", "followee"]
    raw_id_fields = ["follower", "followee"]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["blocker__handle", "blocked__handle"]
    list_select_related = ["blocker", "blocked"]
    raw_id_fields = ["blocker", "blocked"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "actor", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["recipient__handle", "actor__handle"]
    list_select_related = ["recipient", "actor"]
    raw_id_fields = ["recipient", "actor"]


@admin.register(DeviceSession)
class DeviceSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "user_agent", "ip_address", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__handle", "ip_address", "user_agent"]
    list_select_related = ["user"]
    readonly_fields = ["user", "session_key", "user_agent", "ip_address", "created_at"]


@admin.register(PresenceConnection)
class PresenceConnectionAdmin(admin.ModelAdmin):
    list_display = ["user", "channel_name", "connected_at", "last_heartbeat_at"]
    list_filter = ["connected_at"]
    search_fields = ["user__handle", "channel_name"]
    list_select_related = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "prefix", "user__handle"]
    list_select_related = ["user"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at"]
