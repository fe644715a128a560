"""Polls (streams.polls): bad input, one open poll per stream, one vote per viewer, live results at most
once a second, ending early and on time, results kept with the stream."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from accounts.models import Block
from streams import polls
from streams.events import stream_group
from streams.models import ChannelModerator, Poll
from streams.services import stream_end

from .factories import ChannelFactory, live_stream
from .test_stage import refused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def results_task():
    with mock.patch("streams.tasks.poll_results_publish.apply_async") as task, \
            mock.patch("streams.tasks.notify_followers_live.delay"):
        yield task


@pytest.fixture
def stream(alice):
    return live_stream(ChannelFactory(owner=alice, slug="alice"))


def opened(stream, actor, **fields):
    return polls.poll_open(actor=actor, stream=stream, **{"question": "Tea or coffee?", "options": ["Tea", "Coffee"],
                                                          "seconds": 60, **fields})


@pytest.mark.parametrize("fields, bad", [
    ({"options": ["Only one"]}, "options"),
    ({"options": list("abcdef")}, "options"),
    ({"options": ["a", " "]}, "options"),
    ({"seconds": 10}, "seconds"),
    ({"seconds": 1801}, "seconds"),
    ({"question": ""}, "question"),
])
def test_bad_polls_are_refused_with_the_field(stream, alice, fields, bad):
    with refused("poll_invalid") as r:
        opened(stream, alice, **fields)
    assert set(r.error.extra["fields"]) == {bad}
    assert not Poll.objects.exists()


def test_the_edges_are_allowed(stream, alice):
    poll = opened(stream, alice, options=list("abcde"), seconds=15)
    polls.poll_end(actor=alice, poll=poll)
    opened(stream, alice, seconds=1800)


def test_one_open_poll_per_stream_and_only_managers_open_them(stream, alice, bob):
    with refused("not_stage_manager"):
        opened(stream, bob)
    first = opened(stream, alice)
    with refused("poll_already_open") as r:
        opened(stream, alice)
    assert r.error.extra == {"poll_id": first.pk}
    ChannelModerator.objects.create(channel=stream.channel, user=bob)
    polls.poll_end(actor=bob, poll=first)
    opened(stream, bob)


def test_votes_count_once_results_are_throttled_and_closing_sends_the_final_counts(
        stream, alice, bob, carol, dave, published, commit, results_task):
    poll = opened(stream, alice)
    with commit():
        polls.poll_vote(actor=bob, poll=poll, option=1)
        polls.poll_vote(actor=carol, poll=poll, option=1)
    assert results_task.call_count == 1  # one later publication for the votes of this second
    assert [e["poll"]["counts"] for e in published.events("streams.poll", "results")] == [[0, 1]]  # the first at once
    with refused("poll_already_voted"):
        polls.poll_vote(actor=bob, poll=poll, option=0)
    with refused("poll_invalid"):
        polls.poll_vote(actor=dave, poll=poll, option=2)
    with commit():
        polls.poll_results_publish(poll_id=poll.pk)
    assert published.events("streams.poll", "results")[-1]["poll"]["counts"] == [0, 2]
    with commit():
        polls.poll_end(actor=alice, poll=poll)
    closed = published.to(stream_group(stream.pk))[-1]
    assert (closed["op"], closed["poll"]["counts"], closed["poll"]["is_open"]) == ("closed", [0, 2], False)
    with refused("poll_closed"):
        polls.poll_vote(actor=dave, poll=poll, option=0)
    with refused("poll_closed"):
        polls.poll_end(actor=alice, poll=poll)
    assert polls.poll_counts(poll=polls.poll_current(stream=stream)) == [0, 2]  # kept with the stream


def test_a_poll_past_its_time_closes_lazily_and_by_the_beat_job(stream, alice, bob):
    poll = opened(stream, alice)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    with refused("poll_closed"):
        polls.poll_vote(actor=bob, poll=poll, option=0)
    other = opened(stream, alice)
    Poll.objects.filter(pk=other.pk).update(closes_at=timezone.now())
    assert polls.polls_close_due() == 1
    assert polls.polls_close_due() == 0


def test_a_viewer_who_blocked_the_host_cannot_vote(stream, alice, bob):
    Block.objects.create(blocker=bob, blocked=alice)
    with refused("stage_blocked"):
        polls.poll_vote(actor=bob, poll=opened(stream, alice), option=0)


def test_ending_the_stream_closes_its_poll(stream, alice):
    poll = opened(stream, alice)
    stream_end(actor=alice, stream=stream)
    poll.refresh_from_db()
    assert not poll.is_open and poll.ended_at
