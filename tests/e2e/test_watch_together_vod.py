"""Watch together after the fact, in Chromium: a VOD (a finished stream's HLS session, written with PyAV in
the relay's layout into the media daphne serves) pasted as /v/<id>/ is the source of a room; two friends'
players play it with hls.js in sync, and the leader's seek moves both."""

import pytest
from django.conf import settings
from django.utils import timezone

from media_relay.models import HlsOutput, HlsSession
from rooms.services.membership import room_create, room_join
from rooms.services.playback import playback_command
from streams.models import Stream, StreamStatus
from streams.selectors import relay_room_name
from tests.accounts.factories import UserFactory, make_friends
from tests.e2e.test_hls_player import off_the_loop
from tests.e2e.test_room_sync_journey import room_ready, sign_in
from tests.streams.factories import ChannelFactory, live_stream
from tests.vods.hls_session import write_session
from vods.models import Vod, VodStatus

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not settings.REDIS_URL, reason="the test process sends playback commands whose events reach daphne's sockets through Redis (set REDIS_URL; CI does)")]

APART_MAX_S = 1.0


def position(page) -> dict:
    return page.evaluate("() => ({ t: window.WTRoom.player.currentTime(), wall: Date.now(),"
                         " paused: window.WTRoom.player.isPaused(), kind: window.WTRoom.player.kind })")


def apart(first: dict, second: dict) -> float:
    return first["t"] - second["t"] - (first["wall"] - second["wall"]) / 1000


@pytest.mark.django_db(transaction=True)
def test_two_friends_watch_a_vod_together_in_sync(asgi_server, new_page, tmp_path):
    alice, bob = UserFactory(), UserFactory()
    make_friends(alice, bob)
    stream = live_stream(ChannelFactory(name="Night runs"), title="Any%")
    relay_room, name = relay_room_name(stream.pk), "20261206T000000Z-party1"
    write_session(str(tmp_path / "media" / f"live/{relay_room}/{name}"), seconds=30, ended=True)
    output = HlsOutput.objects.create(relay_room=relay_room, stopped_at=timezone.now())
    HlsSession.objects.create(output=output, name=name, directory=f"live/{relay_room}/{name}", ended_at=timezone.now())
    Stream.objects.filter(pk=stream.pk).update(status=StreamStatus.ENDED, ended_at=timezone.now())
    vod = Vod.objects.create(channel=stream.channel, stream=stream, title="Any% (VOD)", status=VodStatus.READY)

    room = off_the_loop(room_create, creator=alice, name="Rewatch", source_url=f"{asgi_server.url}/v/{vod.pk}/")
    off_the_loop(room_join, user=bob, room=room)
    pages = []
    for user in (alice, bob):
        page = new_page(user.handle)
        sign_in(page, asgi_server.url, user.email)
        page.goto(f"{asgi_server.url}/r/{room.code}/")
        room_ready(page)
        pages.append(page)
    off_the_loop(playback_command, actor=alice, room=room, action="play")  # a new room waits for its leader
    for page in pages:
        page.wait_for_function("() => !window.WTRoom.player.isPaused() && window.WTRoom.player.currentTime() > 0.5",
                               timeout=20_000)
    first, second = (position(page) for page in pages)
    assert first["kind"] == second["kind"] == "hls"
    assert abs(apart(first, second)) < APART_MAX_S, (first, second)

    off_the_loop(playback_command, actor=alice, room=room, action="seek", position=20.0)  # a VOD item is seekable
    for page in pages:
        page.wait_for_function("() => window.WTRoom.player.currentTime() >= 19.5", timeout=10_000)
    pages[0].wait_for_timeout(1000)
    first, second = (position(page) for page in pages)
    assert 20 <= first["t"] < 26 and not first["paused"] and not second["paused"], (first, second)
    assert abs(apart(first, second)) < APART_MAX_S, (first, second)
