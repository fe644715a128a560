"""Guild events: a guild's leader or an officer schedules an event for the guild's members.

They are the same Event and EventTask rows as the platform-wide events staff make in the
admin, with `guild` set: only the guild's members see them (gamification.selectors) and
progress in them (event_tasks.event_task_progress). They reward XP only: badges and
decorations stay staff-made. Each creation is audited, like the guild's other role actions.
"""

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError, ConflictError
from config.realtime import publish_on_commit
from guilds import events as guild_events
from guilds.models import ActivityKind, Guild
from guilds.selectors import manager_require
from guilds.services.activity import guild_activity_record
from guilds.services.membership import lock

from ..audit_verbs import AuditVerb
from ..errors import GamificationError
from ..models import Event, EventKind, EventTask
from ..rules import EVENT_TASK_XP_RANGE, TaskKind
from .event_tasks import schedule_changed

TITLE_LENGTH = (3, 80)
DESCRIPTION_LENGTH = 1000
TASK_TITLE_LENGTH = 80
LENGTH_RANGE = (timedelta(hours=1), timedelta(days=31))  # from start to end
MAX_LEAD = timedelta(days=30)  # how far ahead an event may start
START_GRACE = timedelta(minutes=5)  # a start of "now" sent from a slow form still counts
MAX_TASKS = 5
TARGET_MAX = 1000
MAX_OPEN_EVENTS = 5  # upcoming or running, per guild
# Guild events pay XP: a guild may not mint it at will (at most 2 × 5 tasks × 500 XP a week per member).
MAX_NEW_EVENTS_PER_WEEK = 2


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(GamificationError.EVENT_INVALID, message, {"fields": {field: [message]}})


def clamp_task_xp(amount: int) -> int:
    """Event task XP is +50..+500 (the seed's XP table): anything outside is brought to the nearest end."""
    low, high = EVENT_TASK_XP_RANGE
    return max(low, min(high, amount))


def _clean_schedule(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise _invalid("ends_at", "An event ends after it starts.")
    if starts_at < now - START_GRACE:
        raise _invalid("starts_at", "An event can't start in the past.")
    if starts_at > now + MAX_LEAD:
        raise _invalid("starts_at", f"An event starts within {MAX_LEAD.days} days.")
    shortest, longest = LENGTH_RANGE
    if not shortest <= ends_at - starts_at <= longest:
        raise _invalid("ends_at", f"An event lasts from 1 hour to {longest.days} days.")


def _clean_tasks(tasks: Sequence[Mapping]) -> list[EventTask]:
    if not 1 <= len(tasks) <= MAX_TASKS:
        raise _invalid("tasks", f"An event has 1–{MAX_TASKS} tasks.")
    cleaned = []
    for position, task in enumerate(tasks):
        kind, target = task.get("kind"), task.get("target")
        if kind not in TaskKind.values:
            raise _invalid("tasks", f"Task {position + 1}: pick one of {', '.join(TaskKind.values)}.")
        if not isinstance(target, int) or not 1 <= target <= TARGET_MAX:
            raise _invalid("tasks", f"Task {position + 1}: the target is 1–{TARGET_MAX}.")
        title = " ".join(str(task.get("title") or "").split())[:TASK_TITLE_LENGTH]
        default_title = TaskKind(kind).label.replace(" N ", f" {target} ")
        cleaned.append(EventTask(kind=kind, target=target, title=title or default_title, position=position,
                                 xp_reward=clamp_task_xp(int(task.get("xp_reward") or 0))))
    return cleaned


def _free_slug(guild: Guild, title: str) -> str:
    base = f"{guild.slug}-{slugify(title)}"[:70].strip("-")
    return base if not Event.objects.filter(slug=base).exists() else f"{base}-{secrets.token_hex(3)}"


def guild_event_create(*, actor: User, guild: Guild, title: str, starts_at: datetime, ends_at: datetime,
                       tasks: Sequence[Mapping], description: str = "", now: datetime | None = None) -> Event:
    """The leader or an officer schedules an XP-only event for the guild (published at once). Audited.

    `tasks`: 1–5 of {"kind": a TaskKind, "target": 1–1000, "xp_reward": clamped to 50–500, "title": optional}.
    """
    now = now or timezone.now()
    title, description = " ".join(title.split()), description.strip()
    if not TITLE_LENGTH[0] <= len(title) <= TITLE_LENGTH[1]:
        raise _invalid("title", f"A title has {TITLE_LENGTH[0]}–{TITLE_LENGTH[1]} characters.")
    if len(description) > DESCRIPTION_LENGTH:
        raise _invalid("description", f"At most {DESCRIPTION_LENGTH} characters.")
    _clean_schedule(starts_at, ends_at, now)
    event_tasks = _clean_tasks(tasks)
    with transaction.atomic():
        guild = lock(guild)  # serializes the open-events count below
        manager_require(guild=guild, user=actor)
        if Event.objects.filter(guild=guild, ends_at__gt=now).count() >= MAX_OPEN_EVENTS:
            raise ConflictError(GamificationError.TOO_MANY_GUILD_EVENTS,
                                f"A guild has at most {MAX_OPEN_EVENTS} upcoming or running events.",
                                {"max_open_events": MAX_OPEN_EVENTS})
        if Event.objects.filter(guild=guild, created_at__gt=now - timedelta(days=7)).count() >= MAX_NEW_EVENTS_PER_WEEK:
            raise ConflictError(GamificationError.TOO_MANY_GUILD_EVENTS,
                                f"A guild creates at most {MAX_NEW_EVENTS_PER_WEEK} events a week.",
                                {"max_new_events_per_week": MAX_NEW_EVENTS_PER_WEEK})
        event = Event.objects.create(
            guild=guild, created_by=actor, kind=EventKind.COMMUNITY, title=title, slug=_free_slug(guild, title),
            description=description, starts_at=starts_at, ends_at=ends_at, is_published=True,
        )
        for task in event_tasks:
            task.event = event
        EventTask.objects.bulk_create(event_tasks)  # no post_save: the schedule cache is cleared below
        transaction.on_commit(schedule_changed)
        audit_record(actor=actor, verb=AuditVerb.GUILD_EVENT_CREATED, target=guild, details={
            "event_id": event.pk, "title": title, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
            "tasks": [{"kind": t.kind, "target": t.target, "xp_reward": t.xp_reward} for t in event_tasks],
        })
        guild_activity_record(guild=guild, kind=ActivityKind.EVENT_CREATED, actor=actor,
                              details={"event_id": event.pk, "event_title": title})
        publish_on_commit(guild_events.guild_group(guild.pk), guild_events.event_created(event))
    return event

