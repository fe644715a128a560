"""The stream socket through a real daphne process: an anonymous viewer connects (no session, no 4401)
and gets the hello; the host ending the stream reaches them, then close 4410 with its reason; an ended
stream's socket is closed at once with 4410 stream_ended (autobahn once turned custom codes into 1011)."""

import asyncio
from unittest import mock

import pytest
from django.conf import settings

from streams.services import stream_end
from tests.e2e.test_server_edges import close_of, first_frame, open_socket, until
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="events reach daphne through Redis (set REDIS_URL; CI does)")


def test_an_anonymous_viewer_connects_sees_the_end_and_an_ended_stream_is_closed_with_4410(asgi_server):
    channel = ChannelFactory(slug="hana")
    stream = live_stream(channel, title="Endgame study")
    path = f"/ws/stream/{stream.pk}/"

    async def watch():
        socket = await open_socket(asgi_server.url, path)  # no cookie: anonymous
        hello = await first_frame(socket)
        assert (hello["type"], hello["stream"]["title"], hello["viewers"]["current"]) == ("hello", "Endgame study", 1)
        assert "members" not in hello and "viewers" in hello  # numbers, never a roster
        await asyncio.to_thread(end)
        ended = await until(socket, lambda frame: frame["type"] == "streams.stream")
        assert ended["op"] == "ended"
        assert await close_of(socket) == (4410, "")

        late = await open_socket(asgi_server.url, path)
        assert await close_of(late) == (4410, "stream_ended")

    def end():
        with mock.patch("streams.tasks.notify_followers_live.delay"):
            stream_end(actor=channel.owner, stream=stream)

    asyncio.run(watch())
