"""XP awards: the ledger row and the user's XP move together, in one transaction."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.notifications import notification_create
from config.realtime import publish_on_commit, user_group

from .. import events, leaderboard
from ..leaderboard import Metric, Scope
from ..models import PlayerStats, XpEntry
from ..notification_kinds import NotificationKind
from ..rules import EVENT_TASK_XP_RANGE, Reason, amount_for, level_for
from .collection import decorations_unlock_for_level
from .scores import player_counters_add


def stats_for(user: User) -> PlayerStats:
    return PlayerStats.objects.get_or_create(user=user)[0]


def xp_award(
    *, user: User, reason: Reason, key: str, amount: int | None = None, details: dict | None = None,
    now: datetime | None = None,
) -> XpEntry | None:
    """Award XP once per (user, key). Returns the ledger row, or None when it was already awarded.

    The user's XP and this week's and month's XP move in the same UPDATE; the leaderboards
    get the new totals after commit. `now` (default: the clock) picks the week and month.
    """
    amount = amount_for(reason) if amount is None else amount
    if reason == Reason.EVENT_TASK and not EVENT_TASK_XP_RANGE[0] <= amount <= EVENT_TASK_XP_RANGE[1]:
        raise ValueError(f"event task XP is {EVENT_TASK_XP_RANGE[0]}–{EVENT_TASK_XP_RANGE[1]}")
    with transaction.atomic():
        stats_for(user)
        try:
            with transaction.atomic():
                entry = XpEntry.objects.create(user=user, reason=reason, amount=amount, key=key, details=details or {})
        except IntegrityError:
            return None  # the unique (user, key): already awarded
        stats = player_counters_add(user=user, now=now or timezone.now(), xp=amount)
        level = level_for(stats.xp)
        if level > stats.level:
            stats.level = level
            stats.save(update_fields=["level"])
            notification_create(recipient=user, kind=NotificationKind.LEVEL_UP, data={"level": level})
            publish_on_commit(user_group(user.pk), events.level_up(level=level, xp=stats.xp))
            decorations_unlock_for_level(user=user, level=level)
        leaderboard.counter_row_record_on_commit(Scope.INDIVIDUAL, (Metric.XP,), stats)
        publish_on_commit(user_group(user.pk), events.xp_awarded(amount=amount, reason=reason, xp=stats.xp, level=stats.level))
    return entry
