"""How many people a watch room may hold: ROOMS_FREE_WATCH_MAX, or 50 when whoever runs it has a perk that a
higher app registers here (monetization: premium) — rooms does not import the apps above it."""


from django.conf import settings

from accounts.models import User
from config.hooks import Hook

from .models import RoomKind

VOICE_MAX = 12
LARGE_WATCH_MAX = 50

large_room_checks = Hook("(user) -> True when the user may run large watch rooms")


def max_members_limit(*, kind: str, user: User | None) -> int:
    if kind == RoomKind.VOICE:
        return VOICE_MAX
    if user is not None and large_room_checks.any(user=user):
        return LARGE_WATCH_MAX
    return settings.ROOMS_FREE_WATCH_MAX
