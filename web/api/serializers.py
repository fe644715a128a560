from rest_framework import serializers

from accounts.api.serializers import LanguageLevelSerializer, RelationshipSerializer, UserSummarySerializer
from gamification.api.serializers import DecorationSerializer
from gamification.api.serializers import EarnedBadgeSerializer as ShowcaseBadgeSerializer


class WatchHoursSerializer(serializers.Serializer):
    this_week = serializers.FloatField()
    this_month = serializers.FloatField()
    this_year = serializers.FloatField()
    all_time = serializers.FloatField()


class PlayerStatsSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    xp = serializers.IntegerField()
    current_floor = serializers.IntegerField(help_text="XP where this level starts")
    next_at = serializers.IntegerField(allow_null=True, help_text="XP of the next level; null at the top")
    percent = serializers.IntegerField(help_text="progress through this level")
    streak_current = serializers.IntegerField()
    streak_best = serializers.IntegerField()
    title = DecorationSerializer(allow_null=True, help_text="the title the player wears")
    frame = DecorationSerializer(allow_null=True, help_text="the avatar frame the player wears")


class PracticeLanguageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    seconds = serializers.ListField(child=serializers.IntegerField(), help_text="per week, as `weeks`")
    total_seconds = serializers.IntegerField()


class PracticeSerializer(serializers.Serializer):
    """Language practice (rooms.practice): active voice time per language per week, partners, streak."""

    weeks = serializers.ListField(child=serializers.DateField(), help_text="each week's Monday, oldest first")
    languages = PracticeLanguageSerializer(many=True, help_text="most practised first")
    total_seconds = serializers.IntegerField()
    partners_met = serializers.IntegerField(help_text="different partners from partner matching")
    streak_days = serializers.IntegerField(help_text="consecutive days with practice, up to today")


class ProfileSerializer(serializers.Serializer):
    """A public profile (GET /users/{handle}/)."""

    user = UserSummarySerializer()
    bio = serializers.CharField(source="user.bio")
    joined_at = serializers.DateTimeField(source="user.date_joined")
    native_languages = serializers.ListField(child=serializers.CharField(), source="user.native_languages")
    learning_languages = serializers.ListField(child=serializers.CharField(), source="user.learning_languages")
    languages = LanguageLevelSerializer(many=True, help_text="spoken (native) first, then learned with their CEFR level")
    is_premium = serializers.BooleanField(source="user.is_premium")
    friend_count = serializers.IntegerField(allow_null=True, help_text="null when the friend list is private")
    stats = PlayerStatsSerializer(help_text="level, XP and streak")
    watch_hours = WatchHoursSerializer(allow_null=True, help_text="null when stats are private")
    relationship = RelationshipSerializer(allow_null=True)
    practice = PracticeSerializer(allow_null=True, help_text="null unless the owner's practice visibility lets you see it")
    badges = ShowcaseBadgeSerializer(many=True, help_text="the badge showcase: up to 5, in order")
