"""Raids (streams.raids): the host ends the stream and its watchers are sent to another live channel."""

from unittest import mock

import pytest

from config.disconnects import Disconnect
from streams.events import stream_group
from streams.models import StreamStatus
from streams.raids import stream_raid

from .factories import ChannelFactory, StreamFactory, live_stream
from .test_stage import refused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield


def test_a_raid_sends_the_watchers_to_the_target_then_ends_the_stream(alice, bob, published, commit):
    stream = live_stream(ChannelFactory(owner=alice, slug="alice"))
    target = live_stream(ChannelFactory(owner=bob, slug="bob"))
    with commit():
        ended = stream_raid(actor=alice, stream=stream, target_slug="Bob")
    assert ended.status == StreamStatus.ENDED
    to_watchers = [(e["type"], close) for groups, e, close in published if stream_group(stream.pk) in groups]
    assert [t for t, _ in to_watchers] == ["streams.raid", "streams.stream"]
    assert to_watchers[1][1]["disconnect"] == Disconnect.GONE.value
    raid = published.events("streams.raid")[0]
    assert raid["url"] == f"/s/{target.pk}/" and raid["target"]["channel"]["slug"] == "bob"


def test_a_raid_needs_a_live_other_channel_and_the_owner(alice, bob, published, commit):
    stream = live_stream(ChannelFactory(owner=alice, slug="alice"))
    StreamFactory(channel=ChannelFactory(owner=bob, slug="bob"))  # scheduled, not live
    with refused("raid_invalid"):
        stream_raid(actor=alice, stream=stream, target_slug="bob")
    with refused("raid_invalid"):
        stream_raid(actor=alice, stream=stream, target_slug="alice")
    with refused("channel_not_found"):
        stream_raid(actor=alice, stream=stream, target_slug="nobody")
    carol_stream = live_stream(ChannelFactory(slug="carol"))
    with commit(), refused("not_channel_owner"):
        stream_raid(actor=bob, stream=stream, target_slug="carol")
    assert not published.events("streams.raid") and carol_stream.status == StreamStatus.LIVE
    stream.refresh_from_db()
    assert stream.status == StreamStatus.LIVE
