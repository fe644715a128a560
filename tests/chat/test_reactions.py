"""Viewers' reactions: summed per context per window, rate limited per user, others unaffected."""

import threading
import time

import pytest

from chat.reactions import WINDOW_SECONDS, ReactionAggregator
from chat.services import reactions
from chat.services.moderation import user_timeout
from rooms.events import room_group
from tests.rooms.conftest import refused
from tests.rooms.factories import RoomFactory

pytestmark = pytest.mark.django_db

FIRE, CLAP = "\U0001F525", "\U0001F44F"


@pytest.fixture
def held(monkeypatch):
    """The service's aggregator without its timer: the test flushes."""
    aggregator = ReactionAggregator(reactions._publish_burst, autoflush=False)
    monkeypatch.setattr(reactions, "aggregator", aggregator)
    return aggregator


def react(policy, room, user, emoji=FIRE):
    reactions.reaction_add(policy=policy, context=room, user=user, emoji=emoji)


def test_a_window_becomes_one_event_per_context(policy, room, alice, bob, carol, held, published):
    other = RoomFactory(created_by=alice)
    for user, emoji in [(alice, FIRE), (bob, FIRE), (carol, CLAP), (carol, FIRE)]:
        react(policy, room, user, emoji)
    react(policy, other, alice, CLAP)
    assert published == []
    held.flush()
    assert published.to(room_group(room.pk)) == [
        {"type": "chat.reactions", "op": "burst", "counts": {FIRE: 3, CLAP: 1}, "window_ms": 250}]
    assert published.to(room_group(other.pk))[0]["counts"] == {CLAP: 1}
    held.flush()
    assert len(published) == 2  # nothing new, nothing sent


def test_not_an_emoji(policy, room, carol, held):

    with refused("reaction_invalid", 400):
        react(policy, room, carol, "lol")


def test_a_flooder_is_limited_and_others_are_not(policy, room, bob, carol, held, published, settings):

    settings.CHAT_REACTION_RATE_MAX, settings.CHAT_REACTION_RATE_WINDOW_SECONDS = 10, 60
    refusals = 0
    for _ in range(50):
        try:
            react(policy, room, carol)
        except Exception as exc:  # noqa: BLE001
            assert exc.code == "reaction_rate_limited" and 0 < exc.extra["retry_after"] <= 60
            refusals += 1
    assert refusals == 40
    react(policy, room, bob, CLAP)
    held.flush()
    assert published.events("chat.reactions")[0]["counts"] == {FIRE: 10, CLAP: 1}
    with refused("reaction_rate_limited", 429):
        react(policy, room, carol)


def test_a_timed_out_viewer_cannot_react(policy, room, bob, carol, held):

    user_timeout(policy=policy, context=room, actor=bob, user=carol, seconds=60)
    with refused("chat_timed_out", 403):
        react(policy, room, carol)


def test_a_burst_from_many_threads_is_a_few_events(published):
    """The real timer: 4,000 reactions from 8 threads arrive as about one event per 250 ms window."""
    aggregator = ReactionAggregator(reactions._publish_burst)
    start = time.time()

    def viewer():
        for i in range(500):
            aggregator.add("stream.1", (FIRE, CLAP)[i % 2])

    threads = [threading.Thread(target=viewer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    windows = int((time.time() - start) // WINDOW_SECONDS) + 2
    deadline = time.time() + 5
    while sum(sum(e["counts"].values()) for e in published.events("chat.reactions")) < 4000 and time.time() < deadline:
        time.sleep(0.05)
    bursts = published.events("chat.reactions")
    assert sum(e["counts"][FIRE] for e in bursts) == sum(e["counts"][CLAP] for e in bursts) == 2000
    assert len(bursts) <= windows
