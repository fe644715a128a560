"""Back office: staff create and schedule events, tasks, badges and decorations; read the ledgers."""

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import format_html

from config.errors import ApplicationError
from guilds.admin import GuildAdmin

from .badge_images import badge_image_from_upload
from .models import (
    Badge,
    Decoration,
    Event,
    EventTask,
    EventTaskProgress,
    LeaderboardSnapshot,
    PlayerStats,
    PremiumGrant,
    UserBadge,
    UserDecoration,
    WeeklyReset,
    XpEntry,
)
from .services.guild_watch_hours import guilds_refresh_watch_hours
from .services.leaderboards import leaderboards_rebuild_current


class BadgeForm(forms.ModelForm):
    class Meta:
        model = Badge
        fields = ["name", "slug", "description", "rarity", "image", "icon", "is_active"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):  # a new upload (not the stored file, not a clear)
            try:
                return badge_image_from_upload(image)
            except ApplicationError as err:
                raise forms.ValidationError(err.message) from err
        return image


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    form = BadgeForm
    list_display = ["preview", "name", "slug", "rarity", "is_active", "holders_count"]
    list_display_links = ["preview", "name"]
    list_filter = ["rarity", "is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="")
    def preview(self, badge):
        if badge.image:
            return format_html('<img src="{}" alt="" style="width:32px;height:32px">', badge.image.url)
        return badge.icon

    @admin.display(description="Holders")
    def holders_count(self, badge):
        return badge.holders.count()


@admin.register(Decoration)
class DecorationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "style", "rarity", "unlock_level", "is_active"]
    list_filter = ["kind", "rarity", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class EventTaskInline(admin.TabularInline):
    model = EventTask
    extra = 1
    fields = ["position", "kind", "title", "target", "ref", "xp_reward", "badge", "description"]
    autocomplete_fields = ["badge"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "guild", "starts_at", "ends_at", "is_published", "task_count"]
    list_filter = ["kind", "is_published", ("guild", admin.EmptyFieldListFilter), "starts_at"]
    raw_id_fields = ["guild", "created_by"]
    list_select_related = ["guild"]
    search_fields = ["title", "slug", "sponsor_name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["reward_badge", "reward_decoration"]
    inlines = [EventTaskInline]
    date_hierarchy = "starts_at"
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "description", "sponsor_name"]}),
        ("Schedule", {"fields": ["starts_at", "ends_at", "is_published"],
                      "description": "Actions count towards tasks only between the start and the end of a published event."}),
        ("Rewards for completing every task", {"fields": ["reward_badge", "reward_decoration"]}),
        ("Guild event", {"fields": ["guild", "created_by"],
                         "description": "Empty for platform-wide events. Guild events are made by a guild's leader or officers."}),
    ]

    @admin.display(description="Tasks")
    def task_count(self, event):
        return event.tasks.count()


@admin.register(EventTaskProgress)
class EventTaskProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "task", "progress", "completed_at", "updated_at"]
    list_filter = ["completed_at"]
    search_fields = ["user__handle", "task__title"]
    list_select_related = ["user", "task"]
    raw_id_fields = ["user", "task"]


@admin.register(UserBadge)
class UserBadgeAdmin(admin.ModelAdmin):
    list_display = ["user", "badge", "source", "earned_at", "showcase_position"]
    list_filter = ["source", "badge__rarity"]
    search_fields = ["user__handle", "badge__name"]
    list_select_related = ["user", "badge"]
    raw_id_fields = ["user"]


@admin.register(UserDecoration)
class UserDecorationAdmin(admin.ModelAdmin):
    list_display = ["user", "decoration", "source", "unlocked_at"]
    list_filter = ["source", "decoration__kind"]
    search_fields = ["user__handle", "decoration__name"]
    list_select_related = ["user", "decoration"]
    raw_id_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledgers and results are written by services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(XpEntry)
class XpEntryAdmin(ReadOnlyAdmin):
    list_display = ["user", "reason", "amount", "key", "created_at"]
    list_filter = ["reason", "created_at"]
    search_fields = ["user__handle", "key"]
    list_select_related = ["user"]


@admin.register(PlayerStats)
class PlayerStatsAdmin(ReadOnlyAdmin):
    list_display = ["user", "level", "xp", "week_xp", "week_watch_seconds", "watch_seconds", "streak_current"]
    search_fields = ["user__handle"]
    list_select_related = ["user"]
    actions = ["rebuild_leaderboards"]

    @admin.action(description="Rebuild the current leaderboards from the database")
    def rebuild_leaderboards(self, request, queryset):
        count = leaderboards_rebuild_current()
        messages.success(request, f"Rebuilt the current boards ({count} entries)." if count else "No Redis: boards are read from the database.")


@admin.register(WeeklyReset)
class WeeklyResetAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "ran_at", "summary"]


@admin.register(LeaderboardSnapshot)
class LeaderboardSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "board", "rank", "label", "score"]
    list_filter = ["board", "week_start"]


@admin.register(PremiumGrant)
class PremiumGrantAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "user", "source", "rank", "days", "premium_until_before", "premium_until_after"]
    list_filter = ["source", "week_start"]
    search_fields = ["user__handle"]
    list_select_related = ["user"]


@admin.action(description="Recompute every guild's watch hours now")
def refresh_watch_hours(modeladmin, request, queryset):
    modeladmin.message_user(request, f"Updated {guilds_refresh_watch_hours()} guild(s).", messages.SUCCESS)


# The guild figures come from gamification's daily activity, so gamification adds the action.
GuildAdmin.actions = [*GuildAdmin.actions, refresh_watch_hours]
