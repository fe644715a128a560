"""The notifications gamification sends (accounts.notification_registry)."""

from django.db.models import TextChoices

from accounts.notification_registry import register_kinds


class NotificationKind(TextChoices):
    LEVEL_UP = "level_up", "Level up"
    LEADERBOARD_REWARD = "leaderboard_reward", "Leaderboard reward"
    BADGE_EARNED = "badge_earned", "Badge earned"
    DECORATION_UNLOCKED = "decoration_unlocked", "Decoration unlocked"


register_kinds(NotificationKind, texts={
    NotificationKind.LEVEL_UP: "You reached level {level}!",
    NotificationKind.LEADERBOARD_REWARD: "You won Premium on last week's leaderboard!",
    NotificationKind.BADGE_EARNED: "You earned the {name} badge",
    NotificationKind.DECORATION_UNLOCKED: "You unlocked the {name} {kind}",
})
