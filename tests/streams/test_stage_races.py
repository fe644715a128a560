"""The stage's and polls' races on PostgreSQL: real threads released by a barrier, one DB connection each.
The last stage seat goes to exactly one of its concurrent takers; two concurrent votes by one viewer count
once; two polls opened at once leave one open; an accept racing the host's cancel has one winner; of
concurrent invites of one viewer one goes out; an invite past its time expires once, whoever gets there."""

from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from streams import polls, stage
from streams.events import stream_user_group
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


def test_an_invite_is_one_statement_committed_on_its_own(stream, published):
    """Outside a transaction the invite's row is one INSERT, its own transaction, committed without waiting
    for the disk; the prompt is published after it."""
    viewer = UserFactory()
    presence_enter(stream_id=stream.pk, user_id=viewer.pk)
    with CaptureQueriesContext(connection) as captured:
        invite = stage.stage_invite(actor=stream.channel.owner, stream=stream, handle=viewer.handle)
    insert = captured.captured_queries[-1]["sql"]
    assert insert.startswith("INSERT") and "set_config('synchronous_commit', 'off', true)" in insert
    assert len(captured.captured_queries) == 2
    assert StageInvite.objects.get(pk=invite.pk).status == StageStatus.PENDING
    assert [e["invite"]["id"] for e in published.to(stream_user_group(stream.pk, viewer.pk))] == [invite.pk]


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_invites_of_one_viewer_send_one(stream, published, round_):
    viewer, host = UserFactory(), stream.channel.owner
    presence_enter(stream_id=stream.pk, user_id=viewer.pk)
    results = run_together([lambda: stage.stage_invite(actor=host, stream=stream, handle=viewer.handle)] * 4)
    assert Counter(outcome(r) for r in results) == {"ok": 1, "stage_already_invited": 3}
    assert StageInvite.objects.filter(stream=stream, invitee=viewer, status=StageStatus.PENDING).count() == 1
    assert len(published.to(stream_user_group(stream.pk, viewer.pk))) == 1


def _past_its_time(invite):
    StageInvite.objects.filter(pk=invite.pk).update(invited_at=timezone.now() - timedelta(seconds=31))


def test_an_accept_racing_the_expiry_job_is_refused_and_expires_once(stream, published):
    ((guest, invite),) = invited(stream, 1)
    _past_its_time(invite)
    results = run_together([
        lambda: stage.stage_invite_accept(actor=guest, invite=invite),
        lambda: stage.stage_invites_expire(stream_id=stream.pk),
    ])
    assert [outcome(r) for r in results] == ["stage_invite_not_pending", "ok"]
    assert StageInvite.objects.get(pk=invite.pk).status == StageStatus.EXPIRED
    assert [e["status"] for e in published.events("streams.stage_invite", "closed")] == ["expired"]


def test_a_new_invite_racing_the_expiry_of_the_last_leaves_one_pending(stream, published):
    ((guest, invite),) = invited(stream, 1)
    _past_its_time(invite)
    host = stream.channel.owner
    results = run_together([
        lambda: stage.stage_invite(actor=host, stream=stream, handle=guest.handle),
        lambda: stage.stage_invites_expire(stream_id=stream.pk),
    ])
    assert [outcome(r) for r in results] == ["ok", "ok"]
    assert StageInvite.objects.get(pk=invite.pk).status == StageStatus.EXPIRED
    assert StageInvite.objects.filter(invitee=guest, status=StageStatus.PENDING).count() == 1
    assert [e["status"] for e in published.events("streams.stage_invite", "closed")] == ["expired"]


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
