"""Badges and profile decorations: earning them (once), the showcase, equipping a title and a frame."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import User
from accounts.services.notifications import notification_create
from config.errors import ApplicationError
from config.realtime import publish_on_commit, user_group

from .. import events
from ..errors import GamificationError
from ..models import Badge, Decoration, DecorationKind, PlayerStats, UnlockSource, UserBadge, UserDecoration
from ..notification_kinds import NotificationKind
from ..rules import SHOWCASE_SIZE


def badge_award(*, user: User, badge: Badge, source: UnlockSource) -> UserBadge | None:
    """Give a badge once. Returns the new UserBadge, or None when the user already had it."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                earned = UserBadge.objects.create(user=user, badge=badge, source=source)
        except IntegrityError:
            return None  # unique (user, badge)
        notification_create(recipient=user, kind=NotificationKind.BADGE_EARNED,
                            data={"badge": badge.slug, "name": badge.name, "rarity": badge.rarity})
        publish_on_commit(user_group(user.pk), events.badge_earned(badge))
    return earned


def badge_showcase_set(*, user: User, badge_ids: list[int]) -> list[UserBadge]:
    """Show these earned badges on the profile, in this order (at most SHOWCASE_SIZE; [] clears it)."""
    if len(badge_ids) > SHOWCASE_SIZE:
        raise ApplicationError(GamificationError.SHOWCASE_TOO_MANY, f"Choose at most {SHOWCASE_SIZE} badges.",
                               {"max": SHOWCASE_SIZE})
    if len(set(badge_ids)) != len(badge_ids):
        raise ApplicationError(GamificationError.SHOWCASE_DUPLICATE, "Each badge can be shown once.")
    with transaction.atomic():
        PlayerStats.objects.get_or_create(user=user)
        PlayerStats.objects.select_for_update().filter(user=user).first()  # one showcase change at a time per user
        owned = {ub.badge_id: ub for ub in UserBadge.objects.filter(user=user, badge_id__in=badge_ids)}
        missing = [badge_id for badge_id in badge_ids if badge_id not in owned]
        if missing:
            raise ApplicationError(GamificationError.BADGE_NOT_OWNED, "You can only show badges you have earned.",
                                   {"badge_ids": missing})
        UserBadge.objects.filter(user=user, showcase_position__isnull=False).update(showcase_position=None)
        chosen = []
        for position, badge_id in enumerate(badge_ids, start=1):
            owned[badge_id].showcase_position = position
            chosen.append(owned[badge_id])
        UserBadge.objects.bulk_update(chosen, ["showcase_position"])
    return chosen


def decoration_unlock(*, user: User, decoration: Decoration, source: UnlockSource) -> UserDecoration | None:
    """Unlock a title or frame once (events, levels, ads). None when the user already had it."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                owned = UserDecoration.objects.create(user=user, decoration=decoration, source=source)
        except IntegrityError:
            return None
        notification_create(recipient=user, kind=NotificationKind.DECORATION_UNLOCKED,
                            data={"decoration": decoration.slug, "kind": decoration.kind, "name": decoration.name})
        publish_on_commit(user_group(user.pk), events.decoration_unlocked(decoration))
    return owned


def decorations_unlock_for_level(*, user: User, level: int) -> list[UserDecoration]:
    """Called when a user reaches `level`: every active level decoration up to it, once each."""
    unlocked = []
    owned = UserDecoration.objects.filter(user=user).values("decoration_id")
    for decoration in Decoration.objects.filter(is_active=True, unlock_level__lte=level).exclude(pk__in=owned):
        row = decoration_unlock(user=user, decoration=decoration, source=UnlockSource.LEVEL)
        if row is not None:
            unlocked.append(row)
    return unlocked


def decoration_equip(*, user: User, kind: DecorationKind, decoration_id: int | None) -> PlayerStats:
    """Wear a title or a frame you own (None takes it off)."""
    with transaction.atomic():
        PlayerStats.objects.get_or_create(user=user)
        stats = PlayerStats.objects.select_for_update().get(user=user)
        decoration = None
        if decoration_id is not None:
            decoration = Decoration.objects.filter(pk=decoration_id, is_active=True).first()
            is_owned = decoration is not None and (
                Decoration.objects.filter(pk=decoration_id)
                .filter(Q(owners__user=user) | Q(unlock_level__lte=stats.level)
                        | Q(is_premium=True, pk__in=[decoration_id] if user.is_premium else []))
                .exists()
            )
            if not is_owned:
                raise ApplicationError(GamificationError.DECORATION_NOT_OWNED, "You haven't unlocked that yet.",
                                       {"decoration_id": decoration_id})
            if decoration.kind != kind:
                raise ApplicationError(GamificationError.DECORATION_WRONG_KIND, f"That is not a {kind}.",
                                       {"kind": decoration.kind})
        setattr(stats, kind, decoration)
        stats.save(update_fields=[kind])
    return stats
