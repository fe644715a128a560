"""Creator channels, their followers and moderators, their stream keys, their live streams and live chat."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from chat.models import AbstractMessage
from media_relay.models import AbstractStreamKey

NAME_MAX = 60
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
TAGS_MAX = 10
TAG_MAX = 25


class Category(models.TextChoices):
    JUST_CHATTING = "just_chatting", "Just chatting"
    MUSIC = "music", "Music"
    GAMING = "gaming", "Gaming"
    EDUCATION = "education", "Education"
    LANGUAGES = "languages", "Languages"
    SPORTS = "sports", "Sports"
    CREATIVE = "creative", "Art and creative"
    TECH = "tech", "Science and tech"
    WATCH_PARTY = "watch_party", "Watch party"
    OTHER = "other", "Other"


def channel_image_path(channel: "Channel", filename: str) -> str:
    # A fresh name per upload: caches and CDNs never serve a stale image.
    return f"channels/{channel.owner_id}/{uuid.uuid4().hex}.webp"


def thumbnail_path(stream: "Stream", filename: str) -> str:
    return f"streams/{stream.channel_id}/{uuid.uuid4().hex}.webp"


class Channel(models.Model):
    """A creator's channel: at most one per user, found at /c/<slug>/."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel")
    name = models.CharField(max_length=NAME_MAX)
    slug = models.SlugField(max_length=40, unique=True, help_text="/c/<slug>/: 3–40 of a–z, 0–9, -")
    description = models.CharField(max_length=DESCRIPTION_MAX, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.JUST_CHATTING)
    tags = models.JSONField(default=list, blank=True, help_text=f"Up to {TAGS_MAX} lowercase tags.")
    language = models.CharField(max_length=10, blank=True, help_text="A code of accounts.languages.")
    avatar = models.ImageField(upload_to=channel_image_path, blank=True)
    banner = models.ImageField(upload_to=channel_image_path, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True,
                                           help_text="Suspended by staff (moderation): can't go live until then.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(condition=Q(slug=Lower("slug")), name="channel_slug_lowercase")]

    def __str__(self) -> str:
        return self.name


    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


class ChannelFollow(models.Model):
    """`user` follows `channel`; `notify`: tell them when it goes live."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_follows")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="follows")
    notify = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="one_follow_per_channel")]
        indexes = [models.Index(fields=["channel", "notify"], name="channel_follow_notify")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.channel_id}"


class ChannelRole(models.TextChoices):
    MODERATOR = "moderator", "Moderator"
    VIP = "vip", "VIP"  # a badge in chat, no powers


class ChannelModerator(models.Model):
    """Someone the owner appointed: a moderator (the channel's chat and stage) or a VIP (a chat badge only)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="moderators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderated_channels")
    role = models.CharField(max_length=10, choices=ChannelRole.choices, default=ChannelRole.MODERATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "user"], name="one_moderator_row_per_channel")]

    def __str__(self) -> str:
        return f"{self.user_id} moderates {self.channel_id}"


class ChannelStreamKey(AbstractStreamKey):
    """A channel's stream key for WHIP (and RTMP) encoders: belongs to the channel, not to a room.
    Only a SHA-256 is stored, the key is shown once; one live key per channel (rotating revokes the old)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="stream_keys")

    class Meta(AbstractStreamKey.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["channel"], condition=Q(revoked_at__isnull=True), name="one_live_stream_key_per_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.channel_id})"


class StreamStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    ENDED = "ended", "Ended"


class Stream(models.Model):
    """One live session of a channel: scheduled → live → ended (or scheduled → ended, cancelled)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="streams")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.CharField(max_length=DESCRIPTION_MAX, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.JUST_CHATTING)
    tags = models.JSONField(default=list, blank=True)
    thumbnail = models.ImageField(upload_to=thumbnail_path, blank=True)
    thumbnail_from_video = models.BooleanField(
        default=False, help_text="The thumbnail is a frame of the live video (streams.thumbnails), not an upload.")
    status = models.CharField(max_length=10, choices=StreamStatus.choices, default=StreamStatus.SCHEDULED)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    current_viewers = models.PositiveIntegerField(default=0, help_text="As last counted (at most once a second).")
    peak_viewers = models.PositiveIntegerField(default=0)
    unique_viewers = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"], condition=Q(status="live"), name="one_live_stream_per_channel"
            ),
            models.CheckConstraint(
                condition=~Q(status="live") | Q(started_at__isnull=False), name="live_stream_has_started"
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | Q(ended_at__isnull=False), name="ended_stream_has_ended"
            ),
        ]
        indexes = [models.Index(fields=["status", "-current_viewers"], name="stream_status_viewers")]

    def __str__(self) -> str:
        return self.title

    @property
    def duration_seconds(self) -> int | None:
        if self.started_at is None:
            return None
        return int(((self.ended_at or timezone.now()) - self.started_at).total_seconds())


class StreamChatMessage(AbstractMessage):
    """A message in a channel's live chat (streams.chat_policy): the chat, like its bans and modes, belongs to
    the channel and carries over from one stream to the next. `badges` are the author's when they posted
    (chat.policy.Badge values), so history pages need no query per author."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="chat_messages")
    badges = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "-id"], name="stream_chat_channel_id")]


# -- the stage, polls ---------------------------------------------------------------------------------
class StageKind(models.TextChoices):
    INVITE = "invite", "Invited by the host"
    HAND = "hand", "Raised hand"


class StageStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # an invite waiting for an answer, or a raised hand waiting for the host
    ACCEPTED = "accepted", "On stage"
    REJECTED = "rejected", "Declined"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    ENDED = "ended", "Left the stage"


class StageInvite(models.Model):
    """One seat request on a stream's stage: the host's invite (one-time, 30 s to answer) or a viewer's
    raised hand (until the host answers or the hand is lowered). Accepted = on stage until it ends."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="stage_invites")
    kind = models.CharField(max_length=10, choices=StageKind.choices, default=StageKind.INVITE)
    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stage_invites")
    status = models.CharField(max_length=10, choices=StageStatus.choices, default=StageStatus.PENDING)
    video_allowed = models.BooleanField(default=False)
    muted = models.BooleanField(default=False)
    invited_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "invitee"], condition=Q(status="pending"),
                                    name="one_pending_stage_invite"),
            models.UniqueConstraint(fields=["stream", "invitee"], condition=Q(status="accepted"),
                                    name="one_stage_seat_per_user"),
        ]
        indexes = [models.Index(fields=["stream", "status"], name="stage_invite_status")]

    def __str__(self) -> str:
        return f"{self.invitee_id} on {self.stream_id}: {self.status}"


POLL_OPTIONS_MIN, POLL_OPTIONS_MAX = 2, 5
POLL_SECONDS_MIN, POLL_SECONDS_MAX = 15, 1800
POLL_TEXT_MAX = 100


class Poll(models.Model):
    """A stream's poll: 2–5 options, open 15–1,800 s; one open poll per stream. Kept with the stream."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=POLL_TEXT_MAX * 2)
    options = models.JSONField(help_text="The options' texts, in order.")
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["stream"], condition=Q(is_open=True), name="one_open_poll_per_stream"),
        ]

    def __str__(self) -> str:
        return self.question


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    option = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="one_vote_per_poll")]
        indexes = [models.Index(fields=["poll", "option"], name="poll_vote_option")]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.option}"
