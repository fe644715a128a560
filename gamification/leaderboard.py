"""Leaderboards: Redis sorted sets for speed, rebuilt from PostgreSQL on demand (the database is the truth).

Boards: individuals by watch time or XP, guilds by watch time; each weekly (weeks start
Monday 00:00 UTC), monthly (calendar months, UTC) and all-time.

Keys, one sorted set per board and period::

    lb:v1:individual:xp:w2026-11-16     week starting Monday 2026-11-16
    lb:v1:guild:watch:m2026-11          November 2026
    lb:v1:individual:watch:all          all time
    <key>:built                         set once <key> was rebuilt from the database
    <key>:lock                          a rebuild in progress (SET NX, expires)

Members are ids written as ID_SPACE - id, zero-padded: Redis orders equal scores by
member in reverse, so ties come out by id ascending, exactly like the database's
ORDER BY score DESC, id ASC. Ranks are 1-based positions in that order.

Writes: after commit, services send each changed counter's *absolute* value with
ZADD GT (scores_record_on_commit). A counter only grows within its period, so this is
idempotent and order-free: a late or repeated callback never lowers a score or counts
twice, and a rebuild racing with awards loses nothing permanently (the next award of
that user writes the current value again).

Reads (top, rank, size) use Redis when REDIS_URL is set and the board's `:built`
marker is there; a missing board is rebuilt from the database first (one process at
a time, the others read the database meanwhile). Without Redis (the embedded default),
or when Redis fails, reads go to the database.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache, partial

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.fields import BigIntegerField
from django.utils import timezone

logger = logging.getLogger(__name__)

KEY_PREFIX = "lb:v1"
ID_SPACE = 10**15
MEMBER_DIGITS = 16
REBUILD_LOCK_SECONDS = 300
REBUILD_BATCH = 10_000
KEEP_WEEKS_FOR = timedelta(days=35)  # after the week ends ("last week" stays readable)
KEEP_MONTHS_FOR = timedelta(days=400)


class Scope(StrEnum):
    INDIVIDUAL = "individual"
    GUILD = "guild"


class Metric(StrEnum):
    WATCH = "watch"
    XP = "xp"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


# Guilds are ranked by watch time only.
BOARD_KINDS: tuple[tuple[Scope, Metric], ...] = (
    (Scope.INDIVIDUAL, Metric.WATCH),
    (Scope.INDIVIDUAL, Metric.XP),
    (Scope.GUILD, Metric.WATCH),
)

# The counter of each metric: all-time field, and the name inside week_/prev_week_/month_ fields.
COUNTERS = {Metric.WATCH: ("watch_seconds", "watch_seconds"), Metric.XP: ("xp", "xp")}


# -- periods ------------------------------------------------------------------------------------
def week_start(moment: datetime | None = None) -> date:
    day = (moment or timezone.now()).astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def month_start(moment: datetime | None = None) -> date:
    return (moment or timezone.now()).astimezone(UTC).date().replace(day=1)


def next_month(start: date) -> date:
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_start(period: Period, moment: datetime | None = None) -> date | None:
    if period == Period.WEEK:
        return week_start(moment)
    if period == Period.MONTH:
        return month_start(moment)
    return None


def period_end(period: Period, start: date | None) -> date | None:
    """The first day after the period (exclusive), UTC."""
    if period == Period.WEEK:
        return start + timedelta(days=7)
    if period == Period.MONTH:
        return next_month(start)
    return None


def period_key(period: Period, start: date | None) -> str:
    if period == Period.WEEK:
        return f"w{start.isoformat()}"
    if period == Period.MONTH:
        return f"m{start:%Y-%m}"
    return "all"


@dataclass(frozen=True)
class BoardRef:
    """One board for one period (start is None for all-time)."""

    scope: Scope
    metric: Metric
    period: Period
    start: date | None = None

    def __post_init__(self):
        if (self.scope, self.metric) not in BOARD_KINDS:
            raise ValueError(f"no {self.scope} board by {self.metric}")
        if (self.start is None) != (self.period == Period.ALL):
            raise ValueError("weekly and monthly boards need their start day; all-time has none")

    @classmethod
    def current(cls, scope: Scope, metric: Metric, period: Period, moment: datetime | None = None) -> BoardRef:
        return cls(Scope(scope), Metric(metric), Period(period), period_start(Period(period), moment))

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}:{self.scope}:{self.metric}:{period_key(self.period, self.start)}"

    @property
    def end(self) -> date | None:
        return period_end(self.period, self.start)

    @property
    def expire_at(self) -> int | None:
        """Unix time when the board's keys go (weeks and months are kept a while after they end)."""
        if self.period == Period.ALL:
            return None
        keep = KEEP_WEEKS_FOR if self.period == Period.WEEK else KEEP_MONTHS_FOR
        return int((datetime.combine(self.end, time(), tzinfo=UTC) + keep).timestamp())


def boards_touched(scope: Scope, metric: Metric, row) -> list[tuple[BoardRef, int]]:
    """The (board, absolute score) pairs a counter row stands for after a change (PlayerStats or GuildScore)."""
    total_field, name = COUNTERS[metric]
    pairs = [(BoardRef(scope, metric, Period.ALL), getattr(row, total_field))]
    if row.week_start is not None:
        pairs.append((BoardRef(scope, metric, Period.WEEK, row.week_start), getattr(row, f"week_{name}")))
    if row.prev_week_start is not None:
        pairs.append((BoardRef(scope, metric, Period.WEEK, row.prev_week_start), getattr(row, f"prev_week_{name}")))
    if row.month_start is not None:
        pairs.append((BoardRef(scope, metric, Period.MONTH, row.month_start), getattr(row, f"month_{name}")))
    return [(board, score) for board, score in pairs if score > 0]


# -- the truth: scores in the database ---------------------------------------------------------------
def _counter_scores(board: BoardRef) -> QuerySet:
    """Every counter row's score on the board (> 0), visible or not."""
    from .models import GuildScore, PlayerStats

    total_field, name = COUNTERS[board.metric]
    rows = PlayerStats.objects.all() if board.scope == Scope.INDIVIDUAL else GuildScore.objects.all()
    if board.period == Period.ALL:
        score = F(total_field)
    elif board.period == Period.MONTH:
        rows = rows.filter(month_start=board.start)
        score = Case(When(month_start=board.start, then=F(f"month_{name}")), default=Value(0), output_field=BigIntegerField())
    else:
        rows = rows.filter(Q(week_start=board.start) | Q(prev_week_start=board.start))
        score = Case(
            When(week_start=board.start, then=F(f"week_{name}")),
            When(prev_week_start=board.start, then=F(f"prev_week_{name}")),
            default=Value(0),
            output_field=BigIntegerField(),
        )
    return rows.annotate(entity_id=F("pk"), score=score).filter(score__gt=0)


def db_scores(board: BoardRef) -> QuerySet:
    """Rows with `entity_id` and `score` (> 0) for a board, from PlayerStats or GuildScore; visible accounts only."""
    rows = _counter_scores(board)
    if board.scope == Scope.INDIVIDUAL:
        rows = rows.filter(user__is_active=True, user__deactivated_at__isnull=True)
    return rows


@dataclass(frozen=True)
class Entry:
    rank: int
    entity_id: int
    score: int


def db_top(board: BoardRef, limit: int, offset: int = 0) -> list[Entry]:
    """Ranks offset+1 … offset+limit from the database.

    Players: the top of the counters alone (one scan, a top-N sort), then the hidden accounts
    among those few taken out; a wider window only if that left too few. Joining every
    counter row to its account first would cost a hash join over the whole user table.
    """
    wanted = offset + limit
    ordered = _counter_scores(board).order_by("-score", "entity_id").values_list("entity_id", "score")
    if board.scope == Scope.GUILD:
        rows = list(ordered[offset:wanted])
        return [Entry(offset + index + 1, entity_id, int(score)) for index, (entity_id, score) in enumerate(rows)]
    from accounts.models import User

    window = wanted + 16
    while True:
        candidates = list(ordered[:window])
        visible = set(User.objects.filter(pk__in=[c[0] for c in candidates], is_active=True,
                                          deactivated_at__isnull=True).values_list("pk", flat=True))
        kept = [c for c in candidates if c[0] in visible]
        if len(kept) >= wanted or len(candidates) < window:
            break
        window *= 4
    return [Entry(offset + index + 1, entity_id, int(score)) for index, (entity_id, score) in enumerate(kept[offset:wanted])]


def db_rank(board: BoardRef, entity_id: int) -> Entry | None:
    scores = db_scores(board)
    mine = scores.filter(pk=entity_id).values_list("score", flat=True).first()
    if mine is None:
        return None
    ahead = scores.filter(Q(score__gt=mine) | Q(score=mine, pk__lt=entity_id)).count()
    return Entry(ahead + 1, entity_id, int(mine))


def db_size(board: BoardRef) -> int:
    return db_scores(board).count()


# -- Redis ------------------------------------------------------------------------------------------
def redis_url() -> str:
    return getattr(settings, "LEADERBOARD_REDIS_URL", "") or settings.REDIS_URL


@lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=5, socket_connect_timeout=2,
                                health_check_interval=30)


def redis_client() -> redis.Redis | None:
    """The leaderboard Redis, or None on the embedded default (no REDIS_URL)."""
    url = redis_url()
    return _client_for(url) if url else None


def member(entity_id: int) -> str:
    return f"{ID_SPACE - entity_id:0{MEMBER_DIGITS}d}"


def entity(member_: str) -> int:
    return ID_SPACE - int(member_)


def scores_record(pairs: list[tuple[BoardRef, int, int]]) -> None:
    """Write absolute scores now: [(board, entity id, score)]. ZADD GT: never lowers, never double counts."""
    client = redis_client()
    if client is None or not pairs:
        return
    try:
        pipe = client.pipeline(transaction=False)
        for board, entity_id, score in pairs:
            pipe.zadd(board.key, {member(entity_id): score}, gt=True)
            if board.expire_at is not None:
                pipe.expireat(board.key, board.expire_at)
        pipe.execute()
    except redis.RedisError:
        # The database has it; the board catches up on its next rebuild or the user's next award.
        logger.warning("leaderboard: Redis write failed", exc_info=True)


def scores_record_on_commit(pairs: list[tuple[BoardRef, int, int]]) -> None:
    if pairs and redis_url():
        transaction.on_commit(partial(scores_record, list(pairs)))


def counter_row_record_on_commit(scope: Scope, metrics: tuple[Metric, ...], row) -> None:
    """After commit, write every board a PlayerStats / GuildScore row (as just re-read) stands for."""
    pairs = [(board, row.pk, score) for metric in metrics for board, score in boards_touched(scope, metric, row)]
    scores_record_on_commit(pairs)


def board_rebuild(board: BoardRef, *, client: redis.Redis | None = None) -> int:
    """Replace a board's sorted set with the database's scores (atomically: build aside, then RENAME).

    Returns the number of members. Safe to run at any time (see the module docstring).
    """
    client = client or redis_client()
    if client is None:
        return db_size(board)
    scratch = f"{board.key}:tmp:{uuid.uuid4().hex}"
    count = 0
    try:
        pipe = client.pipeline(transaction=False)
        batch: dict[str, int] = {}
        # The counters alone stream fastest; hidden accounts (few) are taken out afterwards.
        for entity_id, score in _counter_scores(board).values_list("entity_id", "score").iterator(chunk_size=REBUILD_BATCH):
            batch[member(entity_id)] = int(score)
            if len(batch) >= REBUILD_BATCH:
                pipe.zadd(scratch, batch)
                pipe.execute()
                count += len(batch)
                batch = {}
        if batch:
            pipe.zadd(scratch, batch)
            count += len(batch)
        if board.scope == Scope.INDIVIDUAL:
            hidden = [member(pk) for pk in _hidden_user_ids()]
            for start in range(0, len(hidden), REBUILD_BATCH):
                pipe.zrem(scratch, *hidden[start:start + REBUILD_BATCH])
        pipe.execute()
        count = client.zcard(scratch)
        swap = client.pipeline(transaction=True)
        swap.unlink(board.key)  # the old set is freed in the background (RENAME over it would free it inline)
        if count:
            swap.rename(scratch, board.key)
        swap.set(f"{board.key}:built", datetime.now(UTC).isoformat())
        if board.expire_at is not None:
            swap.expireat(board.key, board.expire_at)
            swap.expireat(f"{board.key}:built", board.expire_at)
        swap.execute()
    finally:
        client.unlink(scratch)
    return count


def _hidden_user_ids() -> list[int]:
    from accounts.models import User

    return list(User.objects.filter(Q(is_active=False) | Q(deactivated_at__isnull=False)).values_list("pk", flat=True))


def _ensure_built(client: redis.Redis, board: BoardRef, built: bool) -> bool:
    """True when Redis can answer for this board (rebuilding it first if needed and nobody else is)."""
    if built:
        return True
    lock = f"{board.key}:lock"
    if not client.set(lock, "1", nx=True, ex=REBUILD_LOCK_SECONDS):
        return False  # someone else is rebuilding: read the database meanwhile
    try:
        board_rebuild(board, client=client)
    finally:
        client.delete(lock)
    return True


def top(board: BoardRef, limit: int, offset: int = 0) -> list[Entry]:
    """Entries ranked offset+1 … offset+limit."""
    client = redis_client()
    if client is not None:
        try:
            pipe = client.pipeline(transaction=False)
            pipe.exists(f"{board.key}:built")
            pipe.zrevrange(board.key, offset, offset + limit - 1, withscores=True)
            built, rows = pipe.execute()
            if not built and _ensure_built(client, board, False):
                rows = client.zrevrange(board.key, offset, offset + limit - 1, withscores=True)
                built = True
            if built:
                return [Entry(offset + i + 1, entity(m), int(s)) for i, (m, s) in enumerate(rows)]
        except redis.RedisError:
            logger.warning("leaderboard: Redis read failed, using the database", exc_info=True)
    return db_top(board, limit, offset)


def rank(board: BoardRef, entity_id: int) -> Entry | None:
    """The entity's rank and score on the board, or None when it has no score there."""
    client = redis_client()
    if client is not None:
        try:
            pipe = client.pipeline(transaction=False)
            pipe.exists(f"{board.key}:built")
            pipe.zrevrank(board.key, member(entity_id))
            pipe.zscore(board.key, member(entity_id))
            built, position, score = pipe.execute()
            if not built and _ensure_built(client, board, False):
                position, score = client.zrevrank(board.key, member(entity_id)), client.zscore(board.key, member(entity_id))
                built = True
            if built:
                return None if position is None else Entry(position + 1, entity_id, int(score))
        except redis.RedisError:
            logger.warning("leaderboard: Redis read failed, using the database", exc_info=True)
    return db_rank(board, entity_id)


def size(board: BoardRef) -> int:
    client = redis_client()
    if client is not None:
        try:
            built, count = client.pipeline(transaction=False).exists(f"{board.key}:built").zcard(board.key).execute()
            if built or _ensure_built(client, board, False):
                return count if built else client.zcard(board.key)
        except redis.RedisError:
            logger.warning("leaderboard: Redis read failed, using the database", exc_info=True)
    return db_size(board)


def current_boards(moment: datetime | None = None) -> list[BoardRef]:
    """Every board of the current week, month and all time."""
    return [BoardRef.current(scope, metric, period, moment) for scope, metric in BOARD_KINDS for period in Period]
