"""XP awards: the ledger row and the user's XP move together, in one transaction."""

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import NotificationKind, User
from accounts.services.notifications import notification_create
from config.realtime import publish_on_commit, user_group

from .. import events
from ..models import PlayerStats, XpEntry
from ..rules import EVENT_TASK_XP_RANGE, Reason, amount_for, level_for


def stats_for(user: User) -> PlayerStats:
    return PlayerStats.objects.get_or_create(user=user)[0]


def xp_award(*, user: User, reason: Reason, key: str, amount: int | None = None, details: dict | None = None) -> XpEntry | None:
    """Award XP once per (user, key). Returns the ledger row, or None when it was already awarded."""
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
        PlayerStats.objects.filter(user=user).update(xp=F("xp") + amount)
        stats = PlayerStats.objects.select_for_update().get(user=user)
        level = level_for(stats.xp)
        if level > stats.level:
            stats.level = level
            stats.save(update_fields=["level"])
            notification_create(recipient=user, kind=NotificationKind.LEVEL_UP, data={"level": level})
            publish_on_commit(user_group(user.pk), events.level_up(level=level, xp=stats.xp))
        publish_on_commit(user_group(user.pk), events.xp_awarded(amount=amount, reason=reason, xp=stats.xp, level=stats.level))
    return entry
