"""Shapes of the real-time events the gamification app publishes (docs/realtime.md)."""


def xp_awarded(*, amount: int, reason: str, xp: int, level: int) -> dict:
    return {"type": "gamification.xp", "op": "awarded", "amount": amount, "reason": reason, "xp": xp, "level": level}


def level_up(*, level: int, xp: int) -> dict:
    return {"type": "gamification.level", "op": "up", "level": level, "xp": xp}
