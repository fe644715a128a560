from datetime import timedelta

from django.conf import settings
from rest_framework import serializers

from ...ads_selectors import ad_video_url
from ...models import AdPlacement
from ...services.ad_views import COMPLETION_PCT, ROOM_PLACEMENTS


class NextAdSerializer(serializers.Serializer):
    placement = serializers.ChoiceField(choices=[(p.value, p.label) for p in ROOM_PLACEMENTS])


class ServedAdSerializer(serializers.Serializer):
    """An ad to play now: its short-lived video URL and the view token to report progress with."""

    token = serializers.CharField(help_text="Report progress to /api/v1/ads/views/<token>/progress/.")
    placement = serializers.ChoiceField(choices=AdPlacement.choices)
    issued_at = serializers.DateTimeField()
    expires_at = serializers.SerializerMethodField()
    completion_pct = serializers.SerializerMethodField()
    is_completed = serializers.SerializerMethodField()
    ad = serializers.SerializerMethodField()

    def get_expires_at(self, view) -> str:
        return (view.issued_at + timedelta(seconds=settings.ADS_VIEW_TOKEN_SECONDS)).isoformat()

    def get_completion_pct(self, view) -> int:
        return COMPLETION_PCT

    def get_is_completed(self, view) -> bool:
        return view.completed_at is not None

    def get_ad(self, view) -> dict:
        ad = view.ad
        return {
            "id": ad.pk, "title": ad.title, "duration_ms": ad.duration_ms, "video_url": ad_video_url(ad=ad),
            "poster_url": ad.poster.url, "offers_xp": ad.offers_xp, "reward_title": ad.reward_title,
        }


class ProgressSerializer(serializers.Serializer):
    watched_pct = serializers.IntegerField(min_value=0, max_value=100)


class ProgressResultSerializer(serializers.Serializer):
    watched_pct = serializers.IntegerField()
    is_completed = serializers.BooleanField()
    counted = serializers.BooleanField(help_text="This report completed the view (it counted for the ad).")
    xp = serializers.IntegerField(help_text="XP earned by this report.")
