"""Writes and reads for a stream's polls: 2–5 options, open 15–1,800 s, one open poll per stream (the
database's partial unique index), one vote per viewer (a unique constraint: of two concurrent votes by one
viewer exactly one counts). Live results go to the watchers at most twice a second per poll: the first
vote in a second (claimed through the cache) publishes them at once, and streams.tasks.poll_results_publish
a second later covers the rest of that second's votes; the final results go out when it closes. A poll
past its time closes lazily (voting, opening the next) and by the beat job; polls stay with the stream."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from accounts.selectors import is_blocked_by
from config.errors import ApplicationError, ConflictError, ForbiddenError, GoneError, NotFoundError
from config.realtime import publish_on_commit

from . import events
from .errors import StreamError
from .models import (
    POLL_OPTIONS_MAX,
    POLL_OPTIONS_MIN,
    POLL_SECONDS_MAX,
    POLL_SECONDS_MIN,
    POLL_TEXT_MAX,
    Poll,
    PollVote,
    Stream,
    StreamStatus,
)
from .stage import is_stage_manager

RESULTS_EVERY_SECONDS = 1


# -- reads ----------------------------------------------------------------------------------------
def poll_counts(*, poll: Poll) -> list[int]:
    """Votes per option, in order. One query."""
    counts = [0] * len(poll.options)
    for option, votes in PollVote.objects.filter(poll=poll).values_list("option").annotate(n=Count("id")):
        counts[option] = votes
    return counts


def poll_get(*, stream: Stream, poll_id: int) -> Poll:
    poll = Poll.objects.select_related("stream__channel").filter(pk=poll_id, stream=stream).first()
    if poll is None:
        raise NotFoundError(StreamError.POLL_NOT_FOUND, "No such poll.")
    return poll


def poll_current(*, stream: Stream) -> Poll | None:
    """The open poll, or the last one (its results stay up)."""
    return Poll.objects.filter(stream=stream).order_by("-is_open", "-id").first()


def polls_of_stream(*, stream: Stream):
    return Poll.objects.filter(stream=stream).order_by("-id")


# -- writes ---------------------------------------------------------------------------------------
def _validated(question: str, options: list, seconds: int) -> tuple[str, list[str]]:
    fields = {}
    question = str(question or "").strip()
    if not question or len(question) > POLL_TEXT_MAX * 2:
        fields["question"] = f"1–{POLL_TEXT_MAX * 2} characters."
    texts = [str(o).strip() for o in options] if isinstance(options, list | tuple) else []
    if not POLL_OPTIONS_MIN <= len(texts) <= POLL_OPTIONS_MAX or any(not t or len(t) > POLL_TEXT_MAX for t in texts):
        fields["options"] = f"{POLL_OPTIONS_MIN}–{POLL_OPTIONS_MAX} options of 1–{POLL_TEXT_MAX} characters."
    if not isinstance(seconds, int) or not POLL_SECONDS_MIN <= seconds <= POLL_SECONDS_MAX:
        fields["seconds"] = f"{POLL_SECONDS_MIN}–{POLL_SECONDS_MAX} seconds."
    if fields:
        raise ApplicationError(StreamError.POLL_INVALID, "This poll can't be opened.", {"fields": fields})
    return question, texts


def _close(poll: Poll, now) -> None:
    """Within a transaction holding the poll locked."""
    poll.is_open, poll.ended_at = False, now
    poll.save(update_fields=["is_open", "ended_at"])
    publish_on_commit(events.stream_group(poll.stream_id), events.poll_changed(poll, poll_counts(poll=poll), op="closed"))


def polls_close_due(*, stream_id: int | None = None) -> int:
    """Close the polls past their time (the beat job; lazily before voting and opening). Idempotent."""
    due = Poll.objects.filter(is_open=True, closes_at__lte=timezone.now())
    if stream_id is not None:
        due = due.filter(stream_id=stream_id)
    closed = 0
    for poll in due.only("pk"):
        with transaction.atomic():
            poll = Poll.objects.select_for_update().get(pk=poll.pk)
            if poll.is_open and poll.closes_at <= timezone.now():
                _close(poll, timezone.now())
                closed += 1
    return closed


def polls_end_all(*, stream_id: int) -> None:
    """The stream ended: its open poll closes with it (no event: its watchers are closed)."""
    Poll.objects.filter(stream_id=stream_id, is_open=True).update(is_open=False, ended_at=timezone.now())


def poll_open(*, actor: User, stream: Stream, question: str, options: list, seconds: int) -> Poll:
    if not is_stage_manager(stream=stream, user=actor):
        raise ForbiddenError(StreamError.NOT_STAGE_MANAGER, "Only the host or a channel moderator runs polls.")
    if stream.status != StreamStatus.LIVE:
        raise ConflictError(StreamError.NOT_LIVE, "Polls run while the stream is live.")
    question, texts = _validated(question, options, seconds)
    polls_close_due(stream_id=stream.pk)
    now = timezone.now()
    try:
        with transaction.atomic():
            poll = Poll.objects.create(stream=stream, question=question, options=texts, created_at=now,
                                       closes_at=now + timedelta(seconds=seconds))
            publish_on_commit(events.stream_group(stream.pk), events.poll_changed(poll, [0] * len(texts), op="opened"))
    except IntegrityError:
        current = Poll.objects.filter(stream=stream, is_open=True).values_list("pk", flat=True).first()
        raise ConflictError(StreamError.POLL_OPEN, "A poll is open already.", {"poll_id": current}) from None
    return poll


def poll_end(*, actor: User, poll: Poll) -> Poll:
    """End a poll early; its results stay with the stream."""
    if not is_stage_manager(stream=poll.stream, user=actor):
        raise ForbiddenError(StreamError.NOT_STAGE_MANAGER, "Only the host or a channel moderator runs polls.")
    with transaction.atomic():
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        if not poll.is_open:
            raise GoneError(StreamError.POLL_CLOSED, "This poll is closed.")
        _close(poll, timezone.now())
    return poll


def poll_vote(*, actor: User, poll: Poll, option: int) -> PollVote:
    polls_close_due(stream_id=poll.stream_id)
    poll.refresh_from_db(fields=["is_open"])
    if not poll.is_open:
        raise GoneError(StreamError.POLL_CLOSED, "This poll is closed.")
    if not isinstance(option, int) or not 0 <= option < len(poll.options):
        raise ApplicationError(StreamError.POLL_INVALID, "No such option.", {"fields": {"option": "Out of range."}})
    if is_blocked_by(user=poll.stream.channel.owner, other=actor):
        raise ForbiddenError(StreamError.BLOCKED, "You can't vote in this poll.")
    try:
        with transaction.atomic():
            vote = PollVote.objects.create(poll=poll, user=actor, option=option)
    except IntegrityError:
        raise ConflictError(StreamError.ALREADY_VOTED, "You have voted in this poll.") from None
    if cache.add(f"streams:poll:{poll.pk}:results", 1, timeout=RESULTS_EVERY_SECONDS):
        poll_results_publish(poll_id=poll.pk)  # the first vote in a second shows at once (after commit)...
        transaction.on_commit(lambda: _results_later(poll.pk))  # ...the rest of that second's a second later
    return vote


def _results_later(poll_id: int) -> None:
    from .tasks import poll_results_publish  # tasks import the services

    poll_results_publish.apply_async((poll_id,), countdown=RESULTS_EVERY_SECONDS)


def poll_results_publish(*, poll_id: int) -> None:
    """The live results of an open poll, to its stream's watchers (after commit)."""
    poll = Poll.objects.filter(pk=poll_id, is_open=True).first()
    if poll is not None:
        publish_on_commit(events.stream_group(poll.stream_id), events.poll_changed(poll, poll_counts(poll=poll), op="results"))
