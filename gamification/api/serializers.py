"""Shapes of the gamification API (selectors return plain dicts; these document and format them).

(No import of accounts.api.serializers here: that module imports these for the profile.)
"""

from rest_framework import serializers

from ..leaderboard import Metric, Period, Scope
from ..models import DecorationKind, EventKind, Rarity
from ..rules import EVENT_TASK_XP_RANGE, SHOWCASE_SIZE, TaskKind


class BadgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    rarity = serializers.ChoiceField(choices=Rarity.choices)
    image_url = serializers.CharField(allow_null=True)
    icon = serializers.CharField(help_text="an emoji, shown when there is no image")


class EarnedBadgeSerializer(BadgeSerializer):
    position = serializers.IntegerField(allow_null=True, help_text=f"1–{SHOWCASE_SIZE} on the profile showcase, else null")
    earned_at = serializers.DateTimeField()


class DecorationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    kind = serializers.ChoiceField(choices=DecorationKind.choices)
    name = serializers.CharField(help_text="for titles, the title shown")
    rarity = serializers.ChoiceField(choices=Rarity.choices)
    style = serializers.CharField(help_text="frames: the CSS style (.frame-<style>); titles: empty")
    unlock_level = serializers.IntegerField(allow_null=True, help_text="unlocked by reaching this level; null: by events or ads")


class PlayerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    handle = serializers.CharField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    level = serializers.IntegerField()
    title = DecorationSerializer(allow_null=True)
    frame = DecorationSerializer(allow_null=True)
    is_premium = serializers.BooleanField()


class GuildSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    member_count = serializers.IntegerField()
    url = serializers.CharField(allow_null=True)


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1-based; ties are broken by who got there first (lower id)")
    score = serializers.IntegerField(help_text="seconds watched, or XP")
    hours = serializers.FloatField(allow_null=True, help_text="watch boards: hours, one decimal")
    user = PlayerSerializer(allow_null=True, help_text="individual boards")
    guild = GuildSummarySerializer(allow_null=True, help_text="guild boards")
    is_me = serializers.BooleanField(help_text="the viewer (or the viewer's guild)")


class LeaderboardSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=[s.value for s in Scope])
    metric = serializers.ChoiceField(choices=[m.value for m in Metric])
    period = serializers.ChoiceField(choices=[p.value for p in Period])
    starts = serializers.DateField(allow_null=True, help_text="first day (UTC); null for all time")
    ends = serializers.DateField(allow_null=True, help_text="the day after the last (UTC); null for all time")
    as_of = serializers.DateTimeField()
    total = serializers.IntegerField(help_text="how many are ranked")
    entries = LeaderboardRowSerializer(many=True)
    me = LeaderboardRowSerializer(allow_null=True, help_text="the viewer's own row, however far down; null if unranked")
    has_guild = serializers.BooleanField(allow_null=True, help_text="guild boards: whether the viewer is in a guild")


class BoardLinkSerializer(serializers.Serializer):
    scope = serializers.CharField()
    metric = serializers.CharField()
    period = serializers.CharField()
    url = serializers.CharField()


class LeaderboardIndexSerializer(serializers.Serializer):
    boards = BoardLinkSerializer(many=True)
    week_starts = serializers.DateField()
    month_starts = serializers.DateField()
    next_reset_at = serializers.DateTimeField(help_text="Monday 00:00 UTC")


class SnapshotRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    label = serializers.CharField()
    score = serializers.IntegerField()
    user_id = serializers.IntegerField(allow_null=True)
    guild_id = serializers.IntegerField(allow_null=True)
    hours = serializers.FloatField(allow_null=True, help_text="watch boards: hours, one decimal")


class GrantSerializer(serializers.Serializer):
    source = serializers.CharField()
    rank = serializers.IntegerField()
    days = serializers.IntegerField()
    premium_until_after = serializers.DateTimeField()


class WeeklyResultsSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    ran_at = serializers.DateTimeField()
    boards = serializers.DictField(child=SnapshotRowSerializer(many=True),
                                   help_text="individual_watch, individual_xp, guild_watch: the final top 10")
    my_grants = GrantSerializer(many=True)


class EventTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    target = serializers.IntegerField(help_text="hours, rooms, messages, friends, videos or days")
    goal = serializers.IntegerField(help_text="the target in progress units (watching: seconds)")
    progress = serializers.IntegerField()
    percent = serializers.IntegerField()
    label = serializers.CharField(help_text='e.g. "1.5 / 3 h", "4 / 10 messages"')
    completed_at = serializers.DateTimeField(allow_null=True)
    xp_reward = serializers.IntegerField()
    badge = BadgeSerializer(allow_null=True)


class EventGuildSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class GuildEventTaskCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    target = serializers.IntegerField(min_value=1, max_value=1000, help_text="hours, rooms, messages, friends, videos or days")
    xp_reward = serializers.IntegerField(help_text=f"clamped to {EVENT_TASK_XP_RANGE[0]}–{EVENT_TASK_XP_RANGE[1]}")
    title = serializers.CharField(max_length=80, required=False, allow_blank=True, default="",
                                  help_text='default: from the kind, e.g. "Watch 3 hours"')


class GuildEventCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField(help_text="from now to 30 days ahead")
    ends_at = serializers.DateTimeField(help_text="1 hour to 31 days after the start")
    tasks = GuildEventTaskCreateSerializer(many=True, help_text="1–5 tasks; XP only (badges are made by staff)")


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    sponsor_name = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["upcoming", "running", "ended"])
    reward_badge = BadgeSerializer(allow_null=True)
    reward_decoration = DecorationSerializer(allow_null=True)
    tasks = EventTaskSerializer(many=True)
    tasks_completed = serializers.IntegerField()
    is_completed = serializers.BooleanField()
    guild = EventGuildSerializer(allow_null=True, help_text="a guild's own event (its members only); null: platform-wide")


class BadgeCollectionSerializer(serializers.Serializer):
    earned = EarnedBadgeSerializer(many=True)
    locked = BadgeSerializer(many=True, help_text="active badges not earned yet")


class ShowcaseSerializer(serializers.Serializer):
    badge_ids = serializers.ListField(child=serializers.IntegerField(), max_length=SHOWCASE_SIZE, allow_empty=True,
                                      help_text=f"earned badges' ids, in order (at most {SHOWCASE_SIZE}; [] clears)")


class DecorationGroupSerializer(serializers.Serializer):
    owned = DecorationSerializer(many=True)
    locked = DecorationSerializer(many=True)


class EquippedSerializer(serializers.Serializer):
    title = serializers.IntegerField(allow_null=True)
    frame = serializers.IntegerField(allow_null=True)


class DecorationCollectionSerializer(serializers.Serializer):
    title = DecorationGroupSerializer()
    frame = DecorationGroupSerializer()
    equipped = EquippedSerializer()
    level = serializers.IntegerField()


class EquipSerializer(serializers.Serializer):
    title = serializers.IntegerField(allow_null=True, required=False, help_text="a decoration id, or null to take it off")
    frame = serializers.IntegerField(allow_null=True, required=False, help_text="a decoration id, or null to take it off")
