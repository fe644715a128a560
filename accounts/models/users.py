import uuid
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now

from accounts.room_settings import ChatMode, PlaybackControl, Visibility

# suspended_until of a suspension for good (a date, so "is it over" stays one comparison)
SUSPENDED_FOR_GOOD = datetime(9999, 12, 31, tzinfo=UTC)


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    FRIENDS = "friends", "Friends"
    NOBODY = "nobody", "Only me"


class FriendRequestPolicy(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    FRIENDS_OF_FRIENDS = "friends_of_friends", "Friends of friends"
    NOBODY = "nobody", "Nobody"


def avatar_path(user: "User", filename: str) -> str:
    # A fresh name per upload: caches and CDNs never serve a stale avatar.
    return f"avatars/{user.pk}/{uuid.uuid4().hex}.webp"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, handle: str, email: str, password: str | None = None, **fields):
        user = self.model(handle=handle.lower(), email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, handle: str, email: str, password: str | None = None, **fields):
        return self.create_user(handle, email, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    handle = models.CharField(max_length=30, unique=True, help_text="@handle: 3–30 of a–z, 0–9, _")
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=30, blank=True)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)
    bio = models.CharField(max_length=160, blank=True)
    native_languages = models.JSONField(default=list, blank=True)
    learning_languages = models.JSONField(default=list, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    premium_until = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=now)
    handle_changed_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True, help_text="Purged 30 days after this.")
    # A platform ban (moderation): set and lifted only by accounts.services.suspensions, read by every layer
    # from the user row it already has (no query). Signing in does not lift it.
    suspended_until = models.DateTimeField(null=True, blank=True,
                                           help_text="Suspended (platform ban) until then; 9999-12-31 is for good.")
    suspension_reason = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)

    # Privacy
    stats_visibility = models.CharField(max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    friends_visibility = models.CharField(max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    friend_requests_from = models.CharField(
        max_length=20, choices=FriendRequestPolicy.choices, default=FriendRequestPolicy.EVERYONE
    )
    is_searchable = models.BooleanField(default=True)
    # Language practice analytics on the profile (rooms.practice): private by default.
    practice_visibility = models.CharField(max_length=10, choices=Audience.choices, default=Audience.NOBODY)

    # Room defaults: what a new room from the create page or the API starts with where the creator says nothing
    # (rooms.selectors.room_create_defaults). Set by accounts.services.users.user_room_defaults_set.
    # db_default too: rows inserted in SQL (bench/) get a value the check constraints accept.
    room_visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.FRIENDS,
                                       db_default=Visibility.FRIENDS)
    room_mic_enabled = models.BooleanField(
        default=False, help_text="Microphones on in new watch parties (voice rooms start with them on)."
    )
    room_playback_control = models.CharField(max_length=6, choices=PlaybackControl.choices,
                                             default=PlaybackControl.LEADER, db_default=PlaybackControl.LEADER)
    room_chat_mode = models.CharField(max_length=4, choices=ChatMode.choices, default=ChatMode.ALL, db_default=ChatMode.ALL)

    objects = UserManager()

    USERNAME_FIELD = "handle"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(handle=Lower("handle")), name="user_handle_lowercase"),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="user_email_lowercase"),
            models.CheckConstraint(condition=models.Q(room_visibility__in=Visibility.values),
                                   name="user_room_visibility_valid"),
            models.CheckConstraint(condition=models.Q(room_playback_control__in=PlaybackControl.values),
                                   name="user_room_playback_control_valid"),
            models.CheckConstraint(condition=models.Q(room_chat_mode__in=ChatMode.values), name="user_room_chat_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def name(self) -> str:
        return self.display_name or self.handle

    @property
    def is_premium(self) -> bool:
        return self.premium_until is not None and self.premium_until > now()

    @property
    def is_deactivated(self) -> bool:
        return self.deactivated_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > now()

    @property
    def is_suspended_for_good(self) -> bool:
        return self.suspended_until is not None and self.suspended_until >= SUSPENDED_FOR_GOOD
