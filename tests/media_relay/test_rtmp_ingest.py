"""RTMP ingest (media_relay.sfu.rtmp, manage.py rtmp_ingest): PyAV's own ``flv`` muxer publishes over RTMP,
in its own process (tests/media_relay/rtmp_publisher.py), to the ingest, which checks the stream key
against the database and publishes into a relay (in this process, rights from the live room, the
embedded re-check for revocations) over WHIP; a WHEP player decodes what arrives.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async

from media_relay.platform import RoomLink, platform_rtmp_whip_url, platform_stream_key_peer
from media_relay.sfu.peers import whip_peer_id
from media_relay.sfu.rtmp import RtmpIngest, key_from_logs
from media_relay.sfu.whip import WhipServer
from media_relay.stream_keys import stream_key_create, stream_key_revoke
from tests.rooms.factories import RoomFactory, add_member

from .conftest import SECRET, eventually, unique_room_id
from .test_relay_media import kill, spawn
from .test_whip import Player, apply_answer, post_offer
from .test_whip_ffmpeg import assert_tone_heard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("platform_isolation")]


def call(fn, /, **kwargs):
    return database_sync_to_async(fn)(**kwargs)


@pytest.fixture
def room(alice, bob):
    room = RoomFactory(id=unique_room_id(), created_by=alice, kind="voice")
    add_member(room, bob)
    return room


@pytest_asyncio.fixture
async def platform(relay_harness, settings):
    """The relay with live room rights, its WHIP endpoint checking stream keys in the database, and the
    ingest in front of it (the registry knows no worker here: MEDIA_RELAY_HTTP_URL names this one)."""
    link = RoomLink(relay_harness.relay, recheck_interval=0.1)  # the embedded default: revocations re-read
    link.start()
    whip = WhipServer(relay_harness.relay, secret=SECRET, host="127.0.0.1", stream_key_peer=platform_stream_key_peer)
    whip.url = f"http://127.0.0.1:{await whip.start()}"
    settings.MEDIA_RELAY_HTTP_URL = whip.url
    ingest = RtmpIngest(authenticate=platform_rtmp_whip_url, host="127.0.0.1", port=0)
    await ingest.start()
    try:
        yield relay_harness, whip, ingest
    finally:
        await ingest.close()
        await whip.close()
        await link.close()


class Publisher:
    def __init__(self, ingest: RtmpIngest, key: str, seconds: float, *args: str) -> None:
        self.url = f"rtmp://127.0.0.1:{ingest.port}/live/{key}"
        self.args = (str(seconds), *args)

    async def start(self) -> Publisher:
        self.proc = await spawn("-m", "tests.media_relay.rtmp_publisher", self.url, *self.args)
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 10)).decode().split()
        assert line[0] == "CONNECTING", line
        self.connecting_at = float(line[1])
        return self

    async def result(self, timeout: float) -> tuple[int, str]:
        out, _ = await asyncio.wait_for(self.proc.communicate(), timeout)
        return self.proc.returncode, out.decode().strip()


async def watch(harness, whip: WhipServer, room, viewer) -> Player:
    player = Player()
    token = harness.token(str(viewer.pk), room=f"room-{room.pk}", perms=[])
    played = await post_offer(f"{whip.url}/whep/room-{room.pk}", player.pc, token)
    assert played.status == 201
    await apply_answer(player.pc, played)
    return player


def whip_publisher_in(harness, room, user) -> bool:
    router = harness.router(f"room-{room.pk}")
    return router is not None and whip_peer_id(user.pk) in router.participants


@pytest.mark.asyncio
@pytest.mark.parametrize("bframes", [False, True], ids=["h264-passed-through", "b-frames-re-encoded"])
async def test_an_rtmp_publisher_goes_live_and_a_viewer_decodes_its_video_and_audio(platform, room, alice, bob, bframes):
    harness, whip, ingest = platform
    _, key = await call(stream_key_create, actor=alice, room=room)
    player = await watch(harness, whip, room, bob)
    publisher = await Publisher(ingest, key, 4.0, *(["--bframes"] if bframes else [])).start()
    try:
        await eventually(lambda: player.video_frames > 0, timeout=10)
        assert [p.passthrough for p in ingest.publishers] == [not bframes]
        assert (await publisher.result(15))[0] == 0
        # a third of a second of video, decoded: the player (aiortc, in this process) shares a busy machine
        await eventually(lambda: player.video_frames >= 10, timeout=5)
        # the publisher's end ends the WHIP session once what it sent has played out
        await eventually(lambda: not whip_publisher_in(harness, room, alice), timeout=5)
        assert player.video_size == (640, 360)
        assert_tone_heard(player.audio.samples)
    finally:
        kill(publisher.proc)
        await player.close()


@pytest.mark.asyncio
async def test_a_wrong_key_is_refused_and_a_revoked_key_drops_the_publisher(platform, room, alice, bob):
    harness, whip, ingest = platform
    await call(stream_key_create, actor=alice, room=room)

    wrong = await Publisher(ingest, "wtsk_wrong", 5.0).start()
    status, out = await wrong.result(15)
    assert status == 1 and "ERROR" in out, out
    assert not ingest.publishers
    assert harness.router(f"room-{room.pk}") is None  # nothing reached the relay

    _, key = await call(stream_key_create, actor=alice, room=room)
    player = await watch(harness, whip, room, bob)
    publisher = await Publisher(ingest, key, 30.0).start()
    try:
        await eventually(lambda: player.video_frames > 0, timeout=10)
        await call(stream_key_revoke, actor=alice, room=room)
        status, out = await publisher.result(10)  # the relay drops the WHIP session, the ingest the RTMP one
        assert status == 1 and "ERROR" in out, out
        assert not whip_publisher_in(harness, room, alice)
        await eventually(lambda: not ingest.publishers)
    finally:
        kill(publisher.proc)
        await player.close()


def test_the_stream_key_is_what_ffmpegs_listener_says_it_did_not_expect():
    logs = [(32, "tcp", "x"), (24, "rtmp", "Unexpected stream wtsk_Ab-9, expecting _\n")]
    assert key_from_logs(logs) == "wtsk_Ab-9"
    assert key_from_logs([(24, "rtmp", "App field don't match up: a <-> live\n")]) is None
