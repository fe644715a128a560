"""The stage's and polls' races on PostgreSQL: real threads released by a barrier, one DB connection each.
The last stage seat goes to exactly one of its concurrent takers; two concurrent votes by one viewer count
once; two polls opened at once leave one open; an accept racing the host's cancel has one winner."""

from collections import Counter
from unittest import mock

import pytest

from streams import polls, stage
from streams.models import Poll, PollVote, StageInvite, StageStatus
from streams.presence import presence_enter
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.races import outcome, run_together

from .factories import ChannelFactory, live_stream

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.poll_results_publish.apply_async"):
        yield


@pytest.fixture
def stream():
    return live_stream(ChannelFactory())


def invited(stream, count: int):
    guests = [UserFactory() for _ in range(count)]
    for guest in guests:
        presence_enter(stream_id=stream.pk, user_id=guest.pk)
    host = stream.channel.owner
    return [(guest, stage.stage_invite(actor=host, stream=stream, handle=guest.handle)) for guest in guests]


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_accepts_for_the_last_seat_exactly_one_wins(stream, settings, published, round_):
    settings.STAGE_GUESTS_MAX = 3
    first, *racers = invited(stream, 6)
    stage.stage_invite_accept(actor=first[0], invite=first[1])
    stage.stage_invite_accept(actor=racers[0][0], invite=racers[0][1])  # one seat left
    results = run_together([
        lambda g=g, i=i: stage.stage_invite_accept(actor=g, invite=i) for g, i in racers[1:]
    ])
    assert Counter(outcome(r) for r in results) == {"ok": 1, "stage_full": 3}
    assert StageInvite.objects.filter(stream=stream, status=StageStatus.ACCEPTED).count() == 3
    assert [e["guests"] for e in published.events("streams.stage", "joined")][-1] == 3


def test_an_accept_racing_the_hosts_cancel_has_one_winner(stream):
    ((guest, invite),) = invited(stream, 1)
    results = run_together([
        lambda: stage.stage_invite_accept(actor=guest, invite=invite),
        lambda: stage.stage_invite_cancel(actor=stream.channel.owner, invite=invite),
    ])
    assert Counter(outcome(r) for r in results) == {"ok": 1, "stage_invite_not_pending": 1}


def test_a_double_vote_counts_once(stream):
    poll = polls.poll_open(actor=stream.channel.owner, stream=stream, question="Tea?", options=["Yes", "No"],
                           seconds=60)
    voter = UserFactory()
    results = run_together([lambda o=o: polls.poll_vote(actor=voter, poll=poll, option=o) for o in (0, 1, 0, 1)])
    assert Counter(outcome(r) for r in results) == {"ok": 1, "poll_already_voted": 3}
    assert PollVote.objects.filter(poll=poll).count() == 1


def test_two_polls_opened_at_once_leave_one_open(stream):
    host = stream.channel.owner
    results = run_together([
        lambda n=n: polls.poll_open(actor=host, stream=stream, question=f"Q{n}", options=["a", "b"], seconds=30)
        for n in range(3)
    ])
    assert Counter(outcome(r) for r in results) == {"ok": 1, "poll_already_open": 2}
    assert Poll.objects.filter(stream=stream, is_open=True).count() == 1
