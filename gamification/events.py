"""Shapes of the real-time events the gamification app publishes (docs/realtime.md)."""


def xp_awarded(*, amount: int, reason: str, xp: int, level: int) -> dict:
    return {"type": "gamification.xp", "op": "awarded", "amount": amount, "reason": reason, "xp": xp, "level": level}


def level_up(*, level: int, xp: int) -> dict:
    return {"type": "gamification.level", "op": "up", "level": level, "xp": xp}


def badge_earned(*, badge: dict) -> dict:
    """badge: {id, slug, name, description, rarity, image_url, icon}"""
    return {"type": "gamification.badge", "op": "earned", "badge": badge}


def decoration_unlocked(*, decoration: dict) -> dict:
    """decoration: {id, slug, kind, name, rarity, style, unlock_level}"""
    return {"type": "gamification.decoration", "op": "unlocked", "decoration": decoration}


def event_task_progressed(*, event_id: int, task_id: int, progress: int, goal: int, completed: bool) -> dict:
    return {
        "type": "gamification.event_task", "op": "completed" if completed else "progressed",
        "event_id": event_id, "task_id": task_id, "progress": min(progress, goal), "goal": goal,
    }


def event_completed(*, event_id: int, title: str) -> dict:
    return {"type": "gamification.event", "op": "completed", "event_id": event_id, "title": title}
