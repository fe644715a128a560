from django.conf import settings
from django.db import models
from django.db.models import Q


class AbstractStreamKey(models.Model):
    """What every kind of stream key holds (a room's here, a channel's in streams): only a SHA-256 of
    the key is stored, the key is shown once; revocable."""

    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise a key.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-id"]


class StreamKey(AbstractStreamKey):
    """A WHIP stream key: lets its holder publish into one room's relay from OBS or another
    WHIP client. Long-lived and revocable; only a SHA-256 of the key is stored, the key is
    shown once. One live key per room (rotating revokes the old one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_keys")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="stream_keys")

    class Meta(AbstractStreamKey.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(revoked_at__isnull=True), name="one_live_stream_key_per_room"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.room_id})"


class Recording(models.Model):
    """A room's voice (and WHIP stream) being recorded by the relay, from start to stop.

    The relay writes it in parts (``RecordingPart``): a new part when a producer appears mid-way
    (a WebM header lists its tracks up front) and when the room comes back to voice after nobody
    was in it. A room has at most one recording going (``stopped_at`` empty)."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="recordings")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Empty when the platform stopped it (the room closed).",
    )

    class Meta(AbstractStreamKey.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(stopped_at__isnull=True), name="one_recording_going_per_room"
            ),
        ]

    def __str__(self) -> str:
        return f"Recording {self.pk} of room {self.room_id}"


class RecordingPart(models.Model):
    """One WebM file of a recording, stored by the relay worker that wrote it (stream copy: Opus, VP8)."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="parts")
    file = models.FileField(max_length=300)
    started_at = models.DateTimeField(help_text="When the part's first packet was recorded.")
    duration = models.FloatField(help_text="Seconds.")
    size = models.BigIntegerField(help_text="Bytes.")
    tracks = models.JSONField(default=list, help_text='The file\'s tracks, e.g. ["audio", "audio", "video"].')

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["file"], name="recording_part_file_unique"),
            models.CheckConstraint(condition=Q(duration__gte=0) & Q(size__gte=0), name="recording_part_sane"),
        ]

    def __str__(self) -> str:
        return self.file.name


class HlsOutput(models.Model):
    """A relay room flagged for HLS (the streams app turns it on at go-live, off at the end).

    While it is on, the relay worker hosting the room writes it as HLS (media_relay.sfu.hls); each run
    of the room's producers is an ``HlsSession``. At most one output is on per relay room."""

    relay_room = models.CharField(max_length=100, help_text='The relay room, e.g. "room-42" or a stream\'s.')
    started_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["relay_room"], condition=Q(stopped_at__isnull=True), name="one_hls_output_on_per_relay_room"
            ),
        ]

    def __str__(self) -> str:
        return f"HLS {self.pk} of {self.relay_room}"


class HlsSession(models.Model):
    """One HLS rendition written by the relay: ``live/<relay room>/<session>/`` in storage holds
    ``init.mp4``, the segments, ``live.m3u8`` (sliding window) and ``index.m3u8`` (every segment;
    with EXT-X-ENDLIST once ``ended_at`` is set: the VOD's source rendition, where clips are cut)."""

    output = models.ForeignKey(HlsOutput, on_delete=models.CASCADE, related_name="sessions")
    name = models.CharField(max_length=40, help_text="The relay's session id: its start time + random.")
    directory = models.CharField(max_length=200, help_text="Storage prefix of its files.")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Set when index.m3u8 is final (ENDLIST).")

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["directory"], name="hls_session_directory_unique")]

    def __str__(self) -> str:
        return self.directory
