from django.conf import settings
from django.db import models

from rooms.sources import SourceKind


class QueueItem(models.Model):
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="queue")
    order = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=[(k.value, k.value) for k in SourceKind])
    url = models.URLField(max_length=2000)
    media_id = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    start = models.FloatField(default=0.0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # What the server read from a direct file (rooms.tasks.probe_queue_item); YouTube's come
    # from its embed, on the client. media_title: the file's own title tag, where `title` is the adder's.
    media_title = models.CharField(max_length=200, blank=True)
    duration = models.FloatField(null=True, blank=True)
    thumbnail = models.FileField(upload_to="queue-thumbnails/", blank=True)
    probed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["room", "order"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.url[:60]}"


class SkipVote(models.Model):
    """A vote to skip what is playing now (keyed by its URL, so votes don't carry over)."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="skip_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source_url = models.URLField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user", "source_url"], name="skip_vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} skips in {self.room_id}"
