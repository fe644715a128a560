"""Event tasks: per-user progress as the actions happen, completion rewards exactly once.

Progress comes from the domain signals (through services.activity) and, for sponsored
videos, from the monetization app calling event_task_progress(kind=SPONSORED_VIDEO, ref=...).

Every action looks up the tasks it could count for in a cached schedule (the tasks of
published events that have not ended), so a chat message costs no query while no event
runs. Saving an event or a task clears the cache (gamification.receivers).

A guild event's tasks count only for members of its guild: one query for the user's guild,
made only when a running task of the action's kind belongs to a guild.
"""

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from config.outages import REDIS_DOWN
from config.realtime import publish_on_commit, user_group
from guilds.models import GuildMember

from .. import events
from ..models import Badge, Decoration, EventTask, EventTaskProgress, UnlockSource
from ..rules import Reason, TaskKind, task_goal
from .collection import badge_award, decoration_unlock
from .xp import xp_award

logger = logging.getLogger(__name__)

SCHEDULE_CACHE_KEY = "gamification:event-schedule:v2"
SCHEDULE_CACHE_SECONDS = 60


@dataclass(frozen=True)
class ScheduledTask:
    id: int
    event_id: int
    event_title: str
    guild_id: int | None
    kind: str
    goal: int
    ref: str
    xp_reward: int
    badge_id: int | None
    starts_at: datetime
    ends_at: datetime
    event_badge_id: int | None
    event_decoration_id: int | None

    def counts(self, *, kind: str, ref: str, now: datetime) -> bool:
        return self.kind == kind and self.starts_at <= now < self.ends_at and (not self.ref or self.ref == ref)


def schedule() -> list[ScheduledTask]:
    """The running tasks, from the cache; from the database while the cache (Redis) is down."""
    try:
        tasks = cache.get(SCHEDULE_CACHE_KEY)
    except REDIS_DOWN:
        logger.warning("event tasks: the schedule cache is unreachable, reading the database", exc_info=True)
        return _schedule_from_db()
    if tasks is None:
        tasks = _schedule_from_db()
        with contextlib.suppress(*REDIS_DOWN):
            cache.set(SCHEDULE_CACHE_KEY, tasks, SCHEDULE_CACHE_SECONDS)
    return tasks


def _schedule_from_db() -> list[ScheduledTask]:
    rows = EventTask.objects.filter(event__is_published=True, event__ends_at__gt=timezone.now()).select_related("event")
    return [
        ScheduledTask(
            id=t.pk, event_id=t.event_id, event_title=t.event.title, guild_id=t.event.guild_id, kind=t.kind, goal=task_goal(t.kind, t.target),
            ref=t.ref, xp_reward=t.xp_reward, badge_id=t.badge_id, starts_at=t.event.starts_at,
            ends_at=t.event.ends_at, event_badge_id=t.event.reward_badge_id,
            event_decoration_id=t.event.reward_decoration_id,
        )
        for t in rows
    ]


def schedule_changed() -> None:
    """Events or tasks were edited (admin): the next action reads the schedule afresh."""
    cache.delete(SCHEDULE_CACHE_KEY)


def _add(user: User, task: ScheduledTask, amount: int, now: datetime) -> bool:
    """Add to an unfinished task's progress. False when the task was already completed."""
    open_rows = EventTaskProgress.objects.filter(user=user, task_id=task.id, completed_at__isnull=True)
    if open_rows.update(progress=F("progress") + amount, updated_at=now):
        return True
    try:
        with transaction.atomic():
            EventTaskProgress.objects.create(user=user, task_id=task.id, progress=amount)
        return True
    except IntegrityError:  # there already is a row: completed, or created just now by another action
        return bool(open_rows.update(progress=F("progress") + amount, updated_at=now))


def event_task_progress(*, user: User, kind: TaskKind | str, amount: int = 1, ref: str = "",
                        now: datetime | None = None) -> list[int]:
    """Count `amount` towards every running task of this kind. Returns the ids of tasks completed now."""
    now = now or timezone.now()
    running = [task for task in schedule() if task.counts(kind=kind, ref=ref, now=now)]
    if any(task.guild_id for task in running):
        guild_id = GuildMember.objects.filter(user=user).values_list("guild_id", flat=True).first()
        running = [task for task in running if task.guild_id in (None, guild_id)]
    if not running or amount <= 0:
        return []
    completed = []
    with transaction.atomic():
        for task in running:
            if not _add(user, task, amount, now):
                continue
            # The completion is one conditional UPDATE: exactly one action finishes a task.
            finished = EventTaskProgress.objects.filter(
                user=user, task_id=task.id, completed_at__isnull=True, progress__gte=task.goal
            ).update(completed_at=now)
            progress = EventTaskProgress.objects.filter(user=user, task_id=task.id).values_list("progress", flat=True).first()
            publish_on_commit(user_group(user.pk), events.event_task_progressed(
                event_id=task.event_id, task_id=task.id, progress=progress or 0, goal=task.goal, completed=bool(finished),
            ))
            if finished:
                task_rewards_give(user=user, task=task, now=now)
                completed.append(task.id)
    return completed


def task_rewards_give(*, user: User, task: ScheduledTask, now: datetime) -> None:
    """XP (once per task: the ledger key), the task's badge, and the event's rewards when it was the last task."""
    xp_award(user=user, reason=Reason.EVENT_TASK, key=f"event_task:{task.id}", amount=task.xp_reward,
             details={"event_id": task.event_id, "task_id": task.id}, now=now)
    if task.badge_id:
        badge = Badge.objects.filter(pk=task.badge_id, is_active=True).first()
        if badge:
            badge_award(user=user, badge=badge, source=UnlockSource.EVENT_TASK)
    # xp_award above holds this user's PlayerStats row lock until commit, so two tasks of one
    # event finishing at once are counted one after the other: the last one sees both done.
    event_tasks = [t.id for t in schedule() if t.event_id == task.event_id]
    done = EventTaskProgress.objects.filter(user=user, task_id__in=event_tasks, completed_at__isnull=False).count()
    if done < len(event_tasks):
        return
    if task.event_badge_id:
        badge = Badge.objects.filter(pk=task.event_badge_id, is_active=True).first()
        if badge:
            badge_award(user=user, badge=badge, source=UnlockSource.EVENT)
    if task.event_decoration_id:
        decoration = Decoration.objects.filter(pk=task.event_decoration_id, is_active=True).first()
        if decoration:
            decoration_unlock(user=user, decoration=decoration, source=UnlockSource.EVENT)
    publish_on_commit(user_group(user.pk), events.event_completed(event_id=task.event_id, title=task.event_title))
