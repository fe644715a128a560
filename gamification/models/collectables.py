"""Badges (with rarity, image in storage, a showcase of up to 5) and profile decorations."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from ..rules import MAX_LEVEL, SHOWCASE_SIZE


class Rarity(models.TextChoices):
    COMMON = "common", "Common"
    RARE = "rare", "Rare"
    EPIC = "epic", "Epic"
    LEGENDARY = "legendary", "Legendary"


class UnlockSource(models.TextChoices):
    EVENT_TASK = "event_task", "Event task"
    EVENT = "event", "Event completed"
    LEVEL = "level", "Level reached"
    AD = "ad", "Ad watched"
    STAFF = "staff", "Given by staff"


class Badge(models.Model):
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    rarity = models.CharField(max_length=10, choices=Rarity.choices, default=Rarity.COMMON)
    image = models.ImageField(upload_to="badges/", blank=True, help_text="PNG, WebP or JPEG; stored re-encoded as a 256×256 WebP.")
    icon = models.CharField(max_length=8, default="🏅", help_text="Shown when there is no image.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.rarity})"


class UserBadge(models.Model):
    """A badge earned, once per user. showcase_position 1–5 puts it on the profile (unique per user)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="holders")
    source = models.CharField(max_length=12, choices=UnlockSource.choices)
    earned_at = models.DateTimeField(auto_now_add=True)
    showcase_position = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(SHOWCASE_SIZE)]
    )

    class Meta:
        ordering = ["-earned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "badge"], name="badge_earned_once"),
            models.UniqueConstraint(fields=["user", "showcase_position"], name="showcase_position_once"),
            models.CheckConstraint(
                condition=Q(showcase_position__isnull=True) | Q(showcase_position__gte=1, showcase_position__lte=SHOWCASE_SIZE),
                name="showcase_position_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.badge_id} for {self.user_id}"


class DecorationKind(models.TextChoices):
    TITLE = "title", "Title"
    FRAME = "frame", "Avatar frame"


class FrameStyle(models.TextChoices):
    """Frames are drawn by CSS (static/css/app.css, .frame-<style>)."""

    NONE = "", "—"
    BRONZE = "bronze", "Bronze"
    SILVER = "silver", "Silver"
    GOLD = "gold", "Gold"
    NEON = "neon", "Neon"
    FROST = "frost", "Frost"
    EMBER = "ember", "Ember"
    AURORA = "aurora", "Aurora"
    PUMPKIN = "pumpkin", "Pumpkin"


class Decoration(models.Model):
    """A title (its name is the title shown) or an avatar frame, unlocked by events, levels or ads."""

    kind = models.CharField(max_length=5, choices=DecorationKind.choices)
    name = models.CharField(max_length=40)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    rarity = models.CharField(max_length=10, choices=Rarity.choices, default=Rarity.COMMON)
    style = models.CharField(max_length=10, choices=FrameStyle.choices, blank=True, help_text="Frames only.")
    unlock_level = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(2), MaxValueValidator(MAX_LEVEL)],
        help_text="Unlocked for everyone who reaches this level.",
    )
    is_active = models.BooleanField(default=True)
    is_premium = models.BooleanField(default=False, help_text="A premium perk: premium members wear it without "
                                     "unlocking it; it is not shown while their premium has lapsed.")

    class Meta:
        ordering = ["kind", "unlock_level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unlock_level__isnull=True) | Q(unlock_level__gte=2, unlock_level__lte=MAX_LEVEL),
                name="decoration_unlock_level_range",
            ),
            models.CheckConstraint(condition=Q(kind="frame") | Q(style=""), name="decoration_style_frames_only"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class UserDecoration(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decorations")
    decoration = models.ForeignKey(Decoration, on_delete=models.CASCADE, related_name="owners")
    source = models.CharField(max_length=12, choices=UnlockSource.choices)
    unlocked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-unlocked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "decoration"], name="decoration_unlocked_once")]

    def __str__(self) -> str:
        return f"{self.decoration_id} for {self.user_id}"
