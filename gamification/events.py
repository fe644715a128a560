"""Shapes of the real-time events the gamification app publishes (docs/realtime.md).

Payloads are built here field by field, not by the API's serializers or gamification.shapes, so a
change to an API response never changes an event silently; config.event_schema checks them.
"""

from typing import Literal, TypedDict

from config.event_schema import emits


class XpAwarded(TypedDict):
    type: Literal["gamification.xp"]
    op: Literal["awarded"]
    amount: int
    reason: str
    xp: int
    level: int


@emits
def xp_awarded(*, amount: int, reason: str, xp: int, level: int) -> XpAwarded:
    return {"type": "gamification.xp", "op": "awarded", "amount": amount, "reason": reason, "xp": xp, "level": level}


class LevelUp(TypedDict):
    type: Literal["gamification.level"]
    op: Literal["up"]
    level: int
    xp: int


@emits
def level_up(*, level: int, xp: int) -> LevelUp:
    return {"type": "gamification.level", "op": "up", "level": level, "xp": xp}


class Badge(TypedDict):
    id: int
    slug: str
    name: str
    description: str
    rarity: str
    image_url: str | None
    icon: str


class BadgeEarned(TypedDict):
    type: Literal["gamification.badge"]
    op: Literal["earned"]
    badge: Badge


@emits
def badge_earned(badge) -> BadgeEarned:
    return {"type": "gamification.badge", "op": "earned", "badge": {
        "id": badge.pk, "slug": badge.slug, "name": badge.name, "description": badge.description,
        "rarity": badge.rarity, "image_url": badge.image.url if badge.image else None, "icon": badge.icon,
    }}


class Decoration(TypedDict):
    id: int
    slug: str
    kind: str
    name: str
    rarity: str
    style: str
    unlock_level: int | None


class DecorationUnlocked(TypedDict):
    type: Literal["gamification.decoration"]
    op: Literal["unlocked"]
    decoration: Decoration


@emits
def decoration_unlocked(decoration) -> DecorationUnlocked:
    return {"type": "gamification.decoration", "op": "unlocked", "decoration": {
        "id": decoration.pk, "slug": decoration.slug, "kind": decoration.kind, "name": decoration.name,
        "rarity": decoration.rarity, "style": decoration.style, "unlock_level": decoration.unlock_level,
    }}


class EventTaskProgressed(TypedDict):
    type: Literal["gamification.event_task"]
    op: Literal["progressed", "completed"]
    event_id: int
    task_id: int
    progress: int
    goal: int


@emits
def event_task_progressed(*, event_id: int, task_id: int, progress: int, goal: int, completed: bool) -> EventTaskProgressed:
    return {
        "type": "gamification.event_task", "op": "completed" if completed else "progressed",
        "event_id": event_id, "task_id": task_id, "progress": min(progress, goal), "goal": goal,
    }


class EventCompleted(TypedDict):
    type: Literal["gamification.event"]
    op: Literal["completed"]
    event_id: int
    title: str


@emits
def event_completed(*, event_id: int, title: str) -> EventCompleted:
    return {"type": "gamification.event", "op": "completed", "event_id": event_id, "title": title}
