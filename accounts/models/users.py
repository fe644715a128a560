import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now


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
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)

    # Privacy
    stats_visibility = models.CharField(max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    friends_visibility = models.CharField(max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    friend_requests_from = models.CharField(
        max_length=20, choices=FriendRequestPolicy.choices, default=FriendRequestPolicy.EVERYONE
    )
    is_searchable = models.BooleanField(default=True)

    objects = UserManager()

    USERNAME_FIELD = "handle"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(handle=Lower("handle")), name="user_handle_lowercase"),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="user_email_lowercase"),
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
