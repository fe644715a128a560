"""What users do, turned into XP by the rules: daily login, watching, parties, chat, friends, streaks.

Called by gamification.receivers from the domain signals of accounts and rooms, inside
the sender's transaction, except chat messages: those count after the message commits.
Days are the user's own calendar days (their time zone).
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.selectors import friend_ids
from rooms.models import Room, RoomMember

from ..models import DailyActivity, PlayerStats
from ..rules import CHAT_MESSAGES_PER_AWARD, PARTY_MIN_FRIENDS, RULES, STREAK_BONUSES, Reason, TaskKind
from .event_tasks import event_task_progress
from .scores import watch_time_score
from .xp import stats_for, xp_award


def local_day(user: User, now=None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(user.timezone or "UTC")).date()


def _bump(user: User, day: date, **increments) -> DailyActivity:
    """Add to today's counters atomically and return the row as it is after this change."""
    DailyActivity.objects.get_or_create(user=user, day=day)
    DailyActivity.objects.filter(user=user, day=day).update(**{f: F(f) + n for f, n in increments.items()})
    return DailyActivity.objects.get(user=user, day=day)


def _award_steps(user: User, reason: Reason, day: date, before: int, after: int, step: int, now=None) -> None:
    """One award per completed step (an hour, ten messages) up to the daily cap."""
    cap = RULES[reason].daily_cap
    for index in range(before // step, after // step):
        if cap is not None and index >= cap:
            break
        xp_award(user=user, reason=reason, key=f"{reason}:{day}:{index}", now=now)


def streak_touch(*, user: User, day: date, now=None) -> PlayerStats:
    """Count consecutive active days; bonuses at 7 and 30."""
    stats_for(user)
    stats = PlayerStats.objects.select_for_update().get(user=user)
    if stats.last_active_day == day:
        return stats
    stats.streak_current = stats.streak_current + 1 if stats.last_active_day == day - timedelta(days=1) else 1
    stats.streak_best = max(stats.streak_best, stats.streak_current)
    stats.last_active_day = day
    stats.save(update_fields=["streak_current", "streak_best", "last_active_day"])
    bonus = STREAK_BONUSES.get(stats.streak_current)
    if bonus:
        xp_award(user=user, reason=Reason.STREAK, key=f"streak{stats.streak_current}:{day}", amount=bonus, now=now)
    return stats


@transaction.atomic
def daily_login(*, user: User, now=None) -> None:
    day = local_day(user, now)
    if xp_award(user=user, reason=Reason.LOGIN, key=f"login:{day}", now=now) is not None:
        event_task_progress(user=user, kind=TaskKind.LOGIN_DAYS, amount=1, now=now)
    streak_touch(user=user, day=day, now=now)


@transaction.atomic
def first_watch_of_day(*, user: User, now=None) -> None:
    day = local_day(user, now)
    xp_award(user=user, reason=Reason.FIRST_WATCH, key=f"first_watch:{day}", now=now)
    streak_touch(user=user, day=day, now=now)


def friends_present(*, user: User, room: Room) -> int:
    return RoomMember.objects.filter(room=room, connections__gt=0, user_id__in=friend_ids(user_id=user.pk)).count()


@transaction.atomic
def watch_time_record(*, user: User, room: Room | None, seconds: int, now=None) -> DailyActivity:
    """Watch time in a room, or alone (``room`` None: a VOD, clip or stream page, vods.history): same caps."""
    day = local_day(user, now)
    in_party = room is not None and friends_present(user=user, room=room) >= PARTY_MIN_FRIENDS
    row = _bump(user, day, watch_seconds=seconds, **({"party_seconds": seconds} if in_party else {}))
    watch_time_score(user=user, seconds=seconds, now=now)
    _award_steps(user, Reason.WATCH, day, row.watch_seconds - seconds, row.watch_seconds, 3600, now)
    if in_party:
        _award_steps(user, Reason.PARTY, day, row.party_seconds - seconds, row.party_seconds, 3600, now)
    event_task_progress(user=user, kind=TaskKind.WATCH_HOURS, amount=seconds, now=now)
    return row


@transaction.atomic
def chat_message_record(*, user: User, now=None) -> DailyActivity:
    day = local_day(user, now)
    row = _bump(user, day, chat_messages=1)
    _award_steps(user, Reason.CHAT, day, row.chat_messages - 1, row.chat_messages, CHAT_MESSAGES_PER_AWARD, now)
    event_task_progress(user=user, kind=TaskKind.SEND_MESSAGES, amount=1, now=now)
    return row


@transaction.atomic
def room_join_record(*, user: User, now=None) -> DailyActivity:
    row = _bump(user, local_day(user, now), rooms_joined=1)
    event_task_progress(user=user, kind=TaskKind.JOIN_ROOMS, amount=1, now=now)
    return row


@transaction.atomic
def friendship_reward(*, users: tuple[User, User], now=None) -> None:
    """Both get XP once per friend ever (unfriending and friending again pays nothing), and a friend task step."""
    a, b = users
    for user, friend in ((a, b), (b, a)):
        if xp_award(user=user, reason=Reason.FRIEND, key=f"friend:{friend.pk}", now=now) is not None:
            event_task_progress(user=user, kind=TaskKind.MAKE_FRIENDS, amount=1, now=now)
