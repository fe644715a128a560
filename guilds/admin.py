from django.contrib import admin, messages

from .models import Guild, GuildActivity, GuildBan, GuildInvite, GuildJoinRequest, GuildMember, GuildMessage
from .services.guilds import guild_disband


class GuildMemberInline(admin.TabularInline):
    """Read-only: role changes and kicks go through the services, which audit them."""

    model = GuildMember
    extra = 0
    can_delete = False
    fields = ["user", "role", "joined_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Guild)
class GuildAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_public", "max_members", "weekly_watch_seconds", "total_watch_seconds", "created_at"]
    list_filter = ["is_public", "created_at"]
    search_fields = ["name", "slug", "description"]
    readonly_fields = ["slug", "created_by", "created_at", "total_watch_seconds", "weekly_watch_seconds"]
    inlines = [GuildMemberInline]
    actions = ["disband_guilds"]  # gamification/admin.py adds refresh_watch_hours

    @admin.action(description="Disband the selected guilds (audited)")
    def disband_guilds(self, request, queryset):
        count = 0
        for guild in queryset:
            guild_disband(actor=request.user, guild=guild, by_staff=True)
            count += 1
        self.message_user(request, f"Disbanded {count} guild(s).", messages.SUCCESS)


@admin.register(GuildMember)
class GuildMemberAdmin(admin.ModelAdmin):
    list_display = ["guild", "user", "role", "joined_at"]
    list_filter = ["role", "joined_at"]
    search_fields = ["guild__name", "user__handle"]
    list_select_related = ["guild", "user"]
    readonly_fields = ["guild", "user", "role", "joined_at"]

    def has_add_permission(self, request):
        return False


@admin.register(GuildJoinRequest)
class GuildJoinRequestAdmin(admin.ModelAdmin):
    list_display = ["guild", "user", "status", "created_at", "responded_at", "responded_by"]
    list_filter = ["status", "created_at"]
    search_fields = ["guild__name", "user__handle"]
    list_select_related = ["guild", "user", "responded_by"]
    raw_id_fields = ["guild", "user", "responded_by"]


@admin.register(GuildInvite)
class GuildInviteAdmin(admin.ModelAdmin):
    list_display = ["guild", "invited_user", "invited_by", "status", "created_at", "responded_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["guild__name", "invited_user__handle", "invited_by__handle"]
    list_select_related = ["guild", "invited_user", "invited_by"]
    raw_id_fields = ["guild", "invited_user", "invited_by"]


@admin.register(GuildBan)
class GuildBanAdmin(admin.ModelAdmin):
    list_display = ["guild", "user", "until", "created_by", "created_at"]
    search_fields = ["guild__name", "user__handle"]
    list_select_related = ["guild", "user", "created_by"]
    raw_id_fields = ["guild", "user", "created_by"]


@admin.register(GuildMessage)
class GuildMessageAdmin(admin.ModelAdmin):
    list_display = ["guild", "author", "body", "created_at", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["body", "author__handle", "guild__name"]
    list_select_related = ["guild", "author"]
    raw_id_fields = ["guild", "author", "deleted_by"]


@admin.register(GuildActivity)
class GuildActivityAdmin(admin.ModelAdmin):
    list_display = ["guild", "kind", "actor", "subject", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["guild__name", "actor__handle", "subject__handle"]
    list_select_related = ["guild", "actor", "subject"]
    raw_id_fields = ["guild", "actor", "subject"]
