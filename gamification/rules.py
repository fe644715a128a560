"""The XP rules, in one table (from the product seed). Change amounts and caps here.

Every award has a key that is unique per user: a second award with the same key is a
no-op (the ledger's unique constraint). Daily caps are a finite key space: the watch
award keys are watch:<day>:0 … watch:<day>:4, so a sixth hour has no key to take.
"""

from dataclasses import dataclass

from django.db import models


class Reason(models.TextChoices):
    LOGIN = "login", "Daily login"
    WATCH = "watch", "Watching"
    PARTY = "party", "Watch party with friends"
    CHAT = "chat", "Chatting"
    FRIEND = "friend", "New friend"
    EVENT_TASK = "event_task", "Event task"
    AD = "ad", "Ad watched"
    FIRST_WATCH = "first_watch", "First watch of the day"
    STREAK = "streak", "Streak bonus"


@dataclass(frozen=True)
class Rule:
    amount: int | None  # None: the caller says (event tasks, 50–500)
    every: str
    daily_cap: int | None = None


RULES: dict[Reason, Rule] = {
    Reason.LOGIN: Rule(50, "calendar day (your time zone)"),
    Reason.WATCH: Rule(100, "hour of active watching", daily_cap=5),
    Reason.PARTY: Rule(20, "hour in a watch party with 2 or more friends"),
    Reason.CHAT: Rule(15, "10 chat messages", daily_cap=3),
    Reason.FRIEND: Rule(25, "new friend (both of you)"),
    Reason.EVENT_TASK: Rule(None, "event task completed (once each)"),
    Reason.AD: Rule(30, "ad watched to 80% (once per ad)"),
    Reason.FIRST_WATCH: Rule(25, "first watch session of the day"),
    Reason.STREAK: Rule(None, "streak of 7 or 30 days"),
}

EVENT_TASK_XP_RANGE = (50, 500)
STREAK_BONUSES = {7: 100, 30: 500}
CHAT_MESSAGES_PER_AWARD = 10
PARTY_MIN_FRIENDS = 2

# Level n starts at LEVEL_THRESHOLDS[n - 1] XP; level 10 is the top (v1).
LEVEL_THRESHOLDS = (0, 500, 1_500, 3_500, 7_500, 15_000, 27_500, 45_000, 70_000, 100_000)
MAX_LEVEL = len(LEVEL_THRESHOLDS)


def level_for(xp: int) -> int:
    return sum(1 for threshold in LEVEL_THRESHOLDS if xp >= threshold)


def level_progress(xp: int) -> dict:
    level = level_for(xp)
    if level == MAX_LEVEL:
        return {"level": level, "xp": xp, "current_floor": LEVEL_THRESHOLDS[-1], "next_at": None, "percent": 100}
    floor, next_at = LEVEL_THRESHOLDS[level - 1], LEVEL_THRESHOLDS[level]
    return {"level": level, "xp": xp, "current_floor": floor, "next_at": next_at,
            "percent": int((xp - floor) * 100 / (next_at - floor))}


def amount_for(reason: Reason) -> int:
    amount = RULES[reason].amount
    if amount is None:
        raise ValueError(f"{reason} awards need an explicit amount")
    return amount


# -- events ------------------------------------------------------------------------------------
class TaskKind(models.TextChoices):
    """What an event task counts. Progress is kept in the unit of TASK_UNIT (watching: seconds)."""

    WATCH_HOURS = "watch_hours", "Watch N hours"
    JOIN_ROOMS = "join_rooms", "Join N rooms"
    SEND_MESSAGES = "send_messages", "Send N chat messages"
    MAKE_FRIENDS = "make_friends", "Make N friends"
    SPONSORED_VIDEO = "sponsored_video", "Watch N sponsored videos"
    LOGIN_DAYS = "login_days", "Come back on N days"


TASK_UNIT = {TaskKind.WATCH_HOURS: 3600}  # progress units per target unit; 1 for the others


TASK_UNIT_NAMES = {
    TaskKind.WATCH_HOURS: "h", TaskKind.JOIN_ROOMS: "rooms", TaskKind.SEND_MESSAGES: "messages",
    TaskKind.MAKE_FRIENDS: "friends", TaskKind.SPONSORED_VIDEO: "videos", TaskKind.LOGIN_DAYS: "days",
}


def task_goal(kind: str, target: int) -> int:
    return target * TASK_UNIT.get(kind, 1)


def task_progress_label(kind: str, progress: int, target: int) -> str:
    """e.g. "1.5 / 3 h", "4 / 10 messages" (static/js/events.js writes the same)."""
    unit = TASK_UNIT.get(kind, 1)
    done = f"{progress / unit:.1f}".removesuffix(".0") if unit > 1 else str(progress)
    return f"{done} / {target} {TASK_UNIT_NAMES.get(kind, '')}".rstrip()


# -- badges and decorations ---------------------------------------------------------------------
SHOWCASE_SIZE = 5

# -- leaderboards and the weekly reset -----------------------------------------------------------
LEADERBOARD_SIZE = 100  # entries on a page and in the API
LEADERBOARD_SNAPSHOT_SIZE = 100  # final positions kept per weekly board
REWARDED_RANKS = 3
PREMIUM_DAYS_INDIVIDUAL = 90  # the top 3 individuals by watch hours
PREMIUM_DAYS_GUILD = 30  # every member of the top 3 guilds by watch hours
