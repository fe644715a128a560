from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework import serializers

from ..models import Vod, VodRendition, VodVisibility


class VodRenditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = VodRendition
        fields = ["name", "width", "height", "bandwidth"]


class VodSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    renditions = VodRenditionSerializer(many=True, read_only=True)
    master_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Vod
        fields = ["id", "channel", "stream", "title", "description", "visibility", "status", "progress",
                  "failure_reason", "duration_seconds", "views", "chapters", "is_audio_only", "renditions",
                  "master_url", "page_url", "thumbnail_url", "created_at"]

    def get_master_url(self, vod) -> str:
        return reverse("vod-master", args=[vod.pk])

    def get_page_url(self, vod) -> str:
        return reverse("vod", args=[vod.pk])

    def get_thumbnail_url(self, vod) -> str | None:
        return default_storage.url(vod.thumbnail) if vod.thumbnail else None


class VodUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    visibility = serializers.ChoiceField(required=False, choices=VodVisibility.choices)
