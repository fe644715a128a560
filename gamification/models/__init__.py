from .collectables import Badge, Decoration, DecorationKind, FrameStyle, Rarity, UnlockSource, UserBadge, UserDecoration
from .events import Event, EventKind, EventTask, EventTaskProgress
from .leaderboards import Board, GrantSource, LeaderboardSnapshot, PremiumGrant, WeeklyReset
from .progress import DailyActivity, GuildScore, PlayerStats, XpEntry

__all__ = [
    "Badge",
    "Board",
    "DailyActivity",
    "Decoration",
    "DecorationKind",
    "Event",
    "EventKind",
    "EventTask",
    "EventTaskProgress",
    "FrameStyle",
    "GrantSource",
    "GuildScore",
    "LeaderboardSnapshot",
    "PlayerStats",
    "PremiumGrant",
    "Rarity",
    "UnlockSource",
    "UserBadge",
    "UserDecoration",
    "WeeklyReset",
    "XpEntry",
]
