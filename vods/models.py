"""VODs: a live stream's recording, playable when it ends, with renditions built afterwards."""

from django.db import models
from django.db.models import Q


class VodStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class VodVisibility(models.TextChoices):
    PUBLIC = "public", "Public"
    FOLLOWERS = "followers", "Followers"
    SUBSCRIBERS = "subscribers", "Subscribers"
    PRIVATE = "private", "Private"


class Vod(models.Model):
    """The recording of one stream. Its source rendition is the stream's HLS session (media_relay).

    ``status`` is the renditions' job (vods.processing): the source plays from the moment the Vod exists,
    whatever the status. ``relay_room`` names the HLS sessions it is made of, so it outlives its stream."""

    channel = models.ForeignKey("streams.Channel", on_delete=models.CASCADE, related_name="vods")
    stream = models.OneToOneField("streams.Stream", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="vod")
    title = models.CharField(max_length=140)
    description = models.CharField(max_length=5000, blank=True)
    visibility = models.CharField(max_length=12, choices=VodVisibility.choices, default=VodVisibility.PUBLIC)
    status = models.CharField(max_length=12, choices=VodStatus.choices, default=VodStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the renditions built.")
    failure_reason = models.CharField(max_length=300, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    relay_room = models.CharField(max_length=100, default="", help_text="The relay room whose HLS sessions it plays.")
    recorded_at = models.DateTimeField(null=True, blank=True, help_text="The stream's start: chapters count from it.")
    chapters = models.JSONField(default=list, blank=True, help_text='[{"at": seconds, "title", "category"}]')
    is_audio_only = models.BooleanField(default=False)
    source_height = models.PositiveSmallIntegerField(null=True, blank=True)
    thumbnail = models.CharField(max_length=300, blank=True, help_text="Storage name: a frame, or the waveform.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the running job took it.")
    hidden_at = models.DateTimeField(null=True, blank=True, help_text="Hidden by staff (moderation): its owner only.")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="vod_progress_percent"),
            models.CheckConstraint(condition=~Q(status="processing") | Q(claimed_at__isnull=False),
                                   name="vod_processing_is_claimed"),
        ]

    def __str__(self) -> str:
        return self.title


# -- clips (vods/clips/: a 5–90 s cut of a live stream or a VOD) ---------------------------------------
class ClipStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ClipSource(models.TextChoices):
    LIVE = "live", "A live stream"
    VOD = "vod", "A VOD"


class Clip(models.Model):
    """A viewer's cut of a stream's HLS session (live, or the VOD it became), stored as its own HLS
    rendition under ``clips/<slug>/``. Hidden once its VOD is deleted (``source_deleted_at``) or not
    watchable by the viewer (vods.clips.selectors.clip_visible)."""

    slug = models.SlugField(max_length=16, unique=True)
    creator = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="clips")
    channel = models.ForeignKey("streams.Channel", on_delete=models.CASCADE, related_name="clips")
    stream = models.ForeignKey("streams.Stream", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="clips")
    vod = models.ForeignKey(Vod, on_delete=models.SET_NULL, null=True, blank=True, related_name="clips")
    source = models.CharField(max_length=4, choices=ClipSource.choices)
    source_directory = models.CharField(max_length=200, help_text="The HLS session it is cut from (storage).")
    title = models.CharField(max_length=100)
    start_seconds = models.FloatField(help_text="Where the cut starts in the session's timeline.")
    duration_seconds = models.FloatField()
    status = models.CharField(max_length=8, choices=ClipStatus.choices, default=ClipStatus.QUEUED)
    failure_reason = models.CharField(max_length=300, blank=True)
    views = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0, help_text="Count of ClipLike rows, kept by the like services.")
    source_deleted_at = models.DateTimeField(null=True, blank=True, help_text="Its VOD was deleted: hidden.")
    hidden_at = models.DateTimeField(null=True, blank=True, help_text="Hidden by staff (moderation).")
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_seconds__gte=5) & models.Q(duration_seconds__lte=90),
                                   name="clip_duration_5_to_90_s"),
            models.CheckConstraint(condition=models.Q(start_seconds__gte=0), name="clip_start_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="clip_status_created")]

    def __str__(self) -> str:
        return self.title


class ClipLike(models.Model):
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="like_rows")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="clip_likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clip", "user"], name="one_like_per_user_per_clip")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.clip_id}"


# -- watch history (vods/history.py) ------------------------------------------------------------------
class WatchKind(models.TextChoices):
    STREAM = "stream", "Live stream"
    VOD = "vod", "VOD"
    CLIP = "clip", "Clip"


class WatchProgress(models.Model):
    """One user's history entry for one stream, VOD or clip: where they are (the resume point) and how much
    watch time it has credited (gamification, with the rooms' caps)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="watch_history")
    kind = models.CharField(max_length=6, choices=WatchKind.choices)
    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    vod = models.ForeignKey(Vod, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    position_seconds = models.FloatField(default=0)
    duration_seconds = models.FloatField(null=True, blank=True)
    watched_seconds = models.PositiveIntegerField(default=0, help_text="Watch time credited so far.")
    is_playing = models.BooleanField(default=False, help_text="What the last report said.")
    updated_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="stream", stream__isnull=False, vod__isnull=True, clip__isnull=True)
                           | models.Q(kind="vod", vod__isnull=False, stream__isnull=True, clip__isnull=True)
                           | models.Q(kind="clip", clip__isnull=False, stream__isnull=True, vod__isnull=True)),
                name="watch_progress_one_target"),
            models.CheckConstraint(condition=models.Q(position_seconds__gte=0),
                                   name="watch_progress_position_not_negative"),
            models.UniqueConstraint(fields=["user", "stream"], condition=models.Q(kind="stream"),
                                    name="one_progress_per_stream"),
            models.UniqueConstraint(fields=["user", "vod"], condition=models.Q(kind="vod"), name="one_progress_per_vod"),
            models.UniqueConstraint(fields=["user", "clip"], condition=models.Q(kind="clip"),
                                    name="one_progress_per_clip"),
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="watch_progress_user_recent")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} at {self.position_seconds:.0f} s"
class VodRendition(models.Model):
    """One built rendition (HLS fMP4 under ``directory`` in storage): listed in the master playlist once its
    row exists, which is only after every file of it is stored."""

    vod = models.ForeignKey(Vod, on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(max_length=10, help_text="1080p, 720p, 480p or audio.")
    width = models.PositiveSmallIntegerField(default=0)
    height = models.PositiveSmallIntegerField(default=0)
    bandwidth = models.PositiveIntegerField(help_text="Peak bits per second (EXT-X-STREAM-INF BANDWIDTH).")
    directory = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-height", "id"]
        constraints = [models.UniqueConstraint(fields=["vod", "name"], name="one_rendition_per_name")]

    def __str__(self) -> str:
        return f"{self.vod_id} {self.name}"


class StreamMark(models.Model):
    """A live stream's title or category at a moment (its go-live, then each change): the VOD's chapters."""

    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="vod_marks")
    at = models.DateTimeField()
    title = models.CharField(max_length=140)
    category = models.CharField(max_length=20)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.stream_id} {self.title}"
