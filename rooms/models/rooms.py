import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.room_settings import ChatMode, PlaybackControl, Visibility  # defined below rooms: users' room defaults
from rooms.sources import SourceKind
from rooms.sync import MAX_RATE, MIN_RATE, PlaybackState


def new_room_code() -> str:
    return secrets.token_urlsafe(7)[:9]


class RoomKind(models.TextChoices):
    WATCH = "watch", "Watch party"
    VOICE = "voice", "Voice room"


class Room(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_room_code)
    kind = models.CharField(max_length=5, choices=RoomKind.choices, default=RoomKind.WATCH)
    name = models.CharField(max_length=60)
    topic = models.CharField(max_length=120, blank=True)
    languages = models.JSONField(default=list, blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.FRIENDS)
    max_members = models.PositiveSmallIntegerField(default=10)
    is_mic_enabled = models.BooleanField(default=False)
    playback_control = models.CharField(max_length=6, choices=PlaybackControl.choices, default=PlaybackControl.LEADER)
    chat_mode = models.CharField(max_length=4, choices=ChatMode.choices, default=ChatMode.ALL)
    slow_mode_seconds = models.PositiveSmallIntegerField(default=0)
    is_locked = models.BooleanField(default=False)
    wait_for_ready = models.BooleanField(default=False, help_text="Resume only when every member has buffered.")
    is_matchmade = models.BooleanField(default=False, help_text="A private 1:1 room made by partner matching.")
    # Cameras: a call from a direct message (dms.services.calls) allows them; each person turns their own on.
    is_camera_enabled = models.BooleanField(default=False, help_text="Members who may talk may also send their camera.")
    is_permanent = models.BooleanField(default=False, help_text="Stays open while empty (the owner chooses at creation).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    guild = models.ForeignKey("guilds.Guild", null=True, blank=True, on_delete=models.SET_NULL, related_name="rooms")

    # Playback: the current source and the server-authoritative state (see rooms.sync).
    source_kind = models.CharField(max_length=8, choices=[(k.value, k.value) for k in SourceKind], blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    source_media_id = models.CharField(max_length=200, blank=True)
    source_title = models.CharField(max_length=200, blank=True)
    is_playing = models.BooleanField(default=False)
    position = models.FloatField(default=0.0)
    position_at = models.FloatField(default=0.0, help_text="Server epoch seconds at which `position` held.")
    rate = models.FloatField(default=1.0)
    duration = models.FloatField(null=True, blank=True)
    state_version = models.PositiveIntegerField(default=0)
    is_waiting_for_ready = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["visibility", "closed_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(max_members__gte=2, max_members__lte=50), name="room_max_members_range"),
            models.CheckConstraint(
                condition=Q(kind="watch") | Q(max_members__lte=12), name="room_voice_max_12"
            ),
            models.CheckConstraint(condition=Q(rate__gte=MIN_RATE, rate__lte=MAX_RATE), name="room_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_active(self) -> bool:
        return self.closed_at is None

    @property
    def playback(self) -> PlaybackState:
        return PlaybackState(self.is_playing, self.position, self.position_at, self.rate, self.duration)

    def set_playback(self, state: PlaybackState) -> None:
        self.is_playing, self.position, self.position_at = state.is_playing, state.position, state.at
        self.rate, self.duration = state.rate, state.duration
        self.state_version += 1


class RoomRole(models.TextChoices):
    LEADER = "leader", "Leader"
    MODERATOR = "moderator", "Moderator"
    MEMBER = "member", "Member"


class RoomMember(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships")
    role = models.CharField(max_length=9, choices=RoomRole.choices, default=RoomRole.MEMBER)
    is_muted = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)
    connections = models.PositiveSmallIntegerField(default=0, help_text="Open sockets in this room.")
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    is_buffering = models.BooleanField(default=False)
    drift_ms = models.IntegerField(null=True, blank=True, help_text="Last reported offset from the room clock.")
    hand_raised_at = models.DateTimeField(null=True, blank=True, help_text="Set while the member's hand is up.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="room_member_unique"),
            models.UniqueConstraint(fields=["room"], condition=Q(role="leader"), name="room_one_leader"),
        ]
        indexes = [models.Index(fields=["room", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} ({self.role})"

    @property
    def can_moderate(self) -> bool:
        return self.role in (RoomRole.LEADER, RoomRole.MODERATOR)


class RoomBan(models.Model):
    """A kick keeps the user out for a while; `until` null means for good."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="room_ban_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} banned from {self.room_id}"


def new_invite_code() -> str:
    return secrets.token_urlsafe(9)


class RoomInvite(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=16, unique=True, default=new_invite_code)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        help_text="Set for a direct invite to a friend.",
    )
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(max_uses__isnull=True) | Q(uses__lte=models.F("max_uses")), name="invite_uses_within_max"),
        ]

    def __str__(self) -> str:
        return f"invite {self.code} to {self.room_id}"
