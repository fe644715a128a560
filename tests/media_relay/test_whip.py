"""WHIP (publish) and WHEP (play) on the relay worker (media_relay.sfu.whip), stream keys and their API.

The standard-client flow is driven as OBS and a WHEP player do it: an aiortc RTCPeerConnection
makes the offer and an HTTP client (aiohttp) POSTs it with a bearer token. The round trip runs
the relay in its own process (tests/media_relay/relay_process.py) for the codec audit; the
rights tests run it in this process with real stream keys in the database and live room rights
(media_relay.platform.RoomLink).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import defaultdict
from itertools import pairwise

import aiohttp
import pytest
import pytest_asyncio
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from accounts.services.tokens import hash_key
from config.errors import ApplicationError
from media_relay.models import StreamKey
from media_relay.platform import RoomLink, platform_stream_key_peer
from media_relay.sfu import hooks
from media_relay.sfu.signalling import PeerInfo
from media_relay.sfu.tokens import issue_token
from media_relay.sfu.whip import WhipServer
from media_relay.stream_keys import stream_key_authenticate, stream_key_create, stream_key_revoke
from rooms.models import Room, RoomMember, RoomRole
from tests.rooms.factories import RoomFactory, add_member

from .conftest import SECRET, eventually, unique_room_id
from .peers import AudioSink, PatternTrack, RelayClient, ToneTrack, dominant_frequency, rms
from .test_relay_media import kill, spawn

STREAM_KEY = "wtsk_test-key"
SDP = {"Content-Type": "application/sdp"}


def bearer(credential: str) -> dict:
    return {"Authorization": f"Bearer {credential}"}


async def post_offer(url: str, pc: RTCPeerConnection, credential: str | None) -> aiohttp.ClientResponse:
    """What OBS does: create the offer (aiortc gathers its candidates into it) and POST it."""
    await pc.setLocalDescription(await pc.createOffer())
    headers = SDP | (bearer(credential) if credential else {})
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=pc.localDescription.sdp, headers=headers) as response:
            await response.read()
            return response


async def apply_answer(pc: RTCPeerConnection, response: aiohttp.ClientResponse) -> None:
    await pc.setRemoteDescription(RTCSessionDescription(sdp=(await response.text()), type="answer"))


async def request(method: str, url: str, **kwargs) -> tuple[int, dict, bytes]:
    async with aiohttp.ClientSession() as http:
        async with http.request(method, url, **kwargs) as response:
            return response.status, dict(response.headers), await response.read()


def new_pc() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def obs_stand_in(*, video: bool = True, frequency: float = 440) -> RTCPeerConnection:
    pc = new_pc()
    pc.addTransceiver(ToneTrack(frequency), direction="sendonly")
    if video:
        pc.addTransceiver(PatternTrack(), direction="sendonly")
    return pc


class Player:
    """A WHEP player: recvonly audio + video, keeps the audio, counts video frames and logs the
    RTP it receives per kind: (time, ssrc, sequence number, timestamp, payload type)."""

    def __init__(self) -> None:
        self.pc = new_pc()
        self.pc.addTransceiver("audio", direction="recvonly")
        self.pc.addTransceiver("video", direction="recvonly")
        self.audio: AudioSink | None = None
        self.video_frames = 0
        self.video_size: tuple[int, int] | None = None  # of the last decoded frame
        self.tracks: list = []
        self.rtp: dict[str, list[tuple[float, int, int, int, int]]] = defaultdict(list)
        self._tasks: list[asyncio.Task] = []

        @self.pc.on("track")
        def on_track(track) -> None:
            self.tracks.append(track)
            transceiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
            log = self.rtp[track.kind]

            async def tap(packet, arrival_time_ms) -> None:
                log.append(
                    (time.monotonic(), packet.ssrc, packet.sequence_number, packet.timestamp, packet.payload_type)
                )

            hooks.intercept_rtp(transceiver.receiver, tap, passthrough=True)
            if track.kind == "audio":
                self.audio = AudioSink(track)
            else:
                self._tasks.append(asyncio.get_running_loop().create_task(self._count(track)))

    def media_rtp(self, kind: str) -> list[tuple[float, int, int, int, int]]:
        """The media packets of ``kind`` (RTX retransmissions left out: another payload type)."""
        log = self.rtp[kind]
        return [p for p in log if p[4] == log[0][4]] if log else []

    async def _count(self, track) -> None:
        try:
            while True:
                frame = await track.recv()
                self.video_frames += 1
                self.video_size = (frame.width, frame.height)
        except MediaStreamError:
            pass

    async def close(self) -> None:
        if self.audio:
            self.audio.stop()
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


def assert_tone(samples, frequency: float = 440) -> None:
    samples = samples[48000 // 4 :]  # skip the decoder's start-up
    assert len(samples) > 48000 // 2
    assert rms(samples) > 1000
    assert dominant_frequency(samples) == pytest.approx(frequency, abs=3)


# ------------------------------------------------------------------ round trip (relay in its own process)


class RelayProcess:
    """tests/media_relay/relay_process.py serving WHIP / WHEP: the relay in its own process, for the codec audit."""

    async def start(self) -> RelayProcess:
        self.proc = await spawn("-m", "tests.media_relay.relay_process", SECRET.decode(), STREAM_KEY)
        lines = {}
        try:
            while "READY" not in lines:
                line = (await asyncio.wait_for(self.proc.stdout.readline(), 30)).decode().split()
                assert line, "relay_process exited"
                lines[line[0]] = line[1]
        except BaseException:
            kill(self.proc)
            raise
        self.http = f"http://127.0.0.1:{lines['HTTP']}"
        self.ws = f"ws://127.0.0.1:{lines['READY']}/"
        return self

    async def stop(self) -> dict:
        """SIGTERM; the process's last line: {"audit": codec objects and calls, "forwarded": peak packets}."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(self.proc.communicate(), 20)
        return json.loads(out.decode().strip().splitlines()[-1])


def assert_nothing_decoded_or_encoded(report: dict) -> None:
    audit = report["audit"]
    assert audit.get("created", 0) == 0, report
    assert audit.get("decode", 0) == audit.get("encode", 0) == audit.get("pack", 0) == 0


def player_token() -> str:
    return issue_token(secret=SECRET, room="tone", peer="carol", perms=["join", "subscribe"])


async def whip_live(base: str, obs: RTCPeerConnection) -> str:
    """OBS goes live in room "tone": returns its session's resource URL."""
    response = await post_offer(f"{base}/whip/tone", obs, STREAM_KEY)
    assert response.status == 201
    await apply_answer(obs, response)
    return base + response.headers["Location"]


@pytest.mark.asyncio
async def test_obs_publishes_with_whip_a_whep_player_and_a_websocket_subscriber_receive_it_without_transcoding():
    relay = await RelayProcess().start()
    obs, player, peers = obs_stand_in(), Player(), []
    try:
        base = relay.http
        listener = await RelayClient(
            relay.ws,
            issue_token(secret=SECRET, room="tone", peer="bob", perms=["join", "subscribe"]),
            name="bob",
        ).connect()
        peers.append(listener)
        assert (await listener.join("tone"))["type"] == "joined"

        # OBS: POST the offer with the stream key → 201, Location, the answer
        response = await post_offer(f"{base}/whip/tone", obs, STREAM_KEY)
        assert response.status == 201
        assert response.headers["Content-Type"] == "application/sdp"
        assert response.headers["Location"].startswith("/whip/tone/")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        await apply_answer(obs, response)
        resource = base + response.headers["Location"]

        # the WebSocket member is told about both producers and consumes the audio as usual
        added = [
            (
                await listener.wait_for(
                    lambda m, k=kind: m.get("op") == "added" and m.get("producer", {}).get("kind") == k
                )
            )["producer"]
            for kind in ("audio", "video")
        ]
        assert {p["peer_id"] for p in added} == {"whip"}
        audio_id = added[0]["producer_id"]
        await listener.consume_and_wait([audio_id])

        # a WHEP player (the platform's relay token) gets the room's audio and video
        token = issue_token(secret=SECRET, room="tone", peer="carol", perms=["join", "subscribe"])
        played = await post_offer(f"{base}/whep/tone", player.pc, token)
        assert played.status == 201 and played.headers["Location"].startswith("/whep/tone/")
        await apply_answer(player.pc, played)

        await listener.wait_packets(audio_id, 90, timeout=10)
        await eventually(lambda: player.audio is not None and len(player.audio.samples) > 48000, timeout=10)
        await eventually(lambda: player.video_frames >= 10, timeout=10)
        assert_tone(player.audio.samples)
        assert_tone(listener.sinks[listener.mid_of(audio_id)].samples)

        # DELETE ends the WHIP session: its producers close for everyone
        status, headers, _ = await request("DELETE", resource)
        assert status == 200
        closed = await listener.wait_for(lambda m: m.get("type") == "media_relay.producer" and m.get("op") == "closed")
        assert closed["peer_id"] == "whip"
        assert (await request("DELETE", resource))[0] == 404
    finally:
        for peer in peers:
            await peer.close()
        await player.close()
        await obs.close()
        report = await relay.stop()
    assert report["forwarded"]["packets_out"] >= 80
    # no codec object was created in the relay process: nothing decoded or encoded on either path
    assert_nothing_decoded_or_encoded(report)


@pytest.mark.asyncio
async def test_a_whep_player_opened_before_obs_goes_live_plays_it_once_it_does():
    relay = await RelayProcess().start()
    player, obs = Player(), obs_stand_in()
    try:
        # given an audience page playing the room before anyone publishes: 201, both m-lines answered sending
        played = await post_offer(f"{relay.http}/whep/tone", player.pc, player_token())
        assert played.status == 201
        assert (await played.text()).count("a=sendonly") == 2
        await apply_answer(player.pc, played)
        await eventually(lambda: player.pc.connectionState == "connected", timeout=5)
        assert sorted(t.kind for t in player.tracks) == ["audio", "video"]

        # when OBS goes live
        await whip_live(relay.http, obs)

        # then the player plays its tone and its video, on the tracks it already had
        await eventually(lambda: player.audio is not None and len(player.audio.samples) > 48000, timeout=10)
        await eventually(lambda: player.video_frames >= 10, timeout=10)
        assert_tone(player.audio.samples)
        assert len(player.tracks) == 2
    finally:
        await player.close()
        await obs.close()
        report = await relay.stop()
    assert_nothing_decoded_or_encoded(report)


def assert_one_stream_without_gaps(packets: list[tuple[float, int, int, int, int]]) -> None:
    """One SSRC, sequence numbers each one more than the last, timestamps never going back."""
    assert len({p[1] for p in packets}) == 1
    steps = [((b[2] - a[2]) & 0xFFFF, (b[3] - a[3]) & 0xFFFFFFFF) for a, b in pairwise(packets)]
    assert {seq for seq, _ in steps} == {1}, [s for s in steps if s[0] != 1]
    assert all(ts < 1 << 31 for _, ts in steps)


@pytest.mark.asyncio
async def test_obs_restarting_with_a_new_whip_session_keeps_the_same_whep_stream_going():
    relay = await RelayProcess().start()
    player, first, second = Player(), obs_stand_in(frequency=440), obs_stand_in(frequency=660)
    try:
        # given a player playing OBS's 440 Hz tone and video
        session = await whip_live(relay.http, first)
        played = await post_offer(f"{relay.http}/whep/tone", player.pc, player_token())
        assert played.status == 201
        await apply_answer(player.pc, played)
        await eventually(lambda: player.audio is not None and len(player.audio.samples) > 36000, timeout=10)
        await eventually(lambda: player.video_frames >= 5, timeout=10)
        assert_tone(player.audio.samples, 440)

        # when OBS stops (DELETE) and goes live again: a new WHIP session, new producers, 660 Hz now
        assert (await request("DELETE", session))[0] == 200
        await first.close()
        await whip_live(relay.http, second)
        restart = time.monotonic()
        heard, seen = len(player.audio.samples), player.video_frames

        # then the same player, on the same tracks, plays the new tone and video
        await eventually(lambda: len(player.audio.samples) > heard + 36000, timeout=10)
        await eventually(lambda: player.video_frames >= seen + 5, timeout=10)
        assert_tone(player.audio.samples[heard:], 660)
        assert len(player.tracks) == 2
        # ... as one RTP stream per kind: same SSRC, sequence numbers going on with no gap
        for kind in ("audio", "video"):
            packets = player.media_rtp(kind)
            assert any(p[0] < restart for p in packets) and any(p[0] > restart for p in packets)
            assert_one_stream_without_gaps(packets)
    finally:
        await player.close()
        await first.close()
        await second.close()
        report = await relay.stop()
    assert_nothing_decoded_or_encoded(report)


# ------------------------------------------------------------------ HTTP details (token rights, no database)


@pytest_asyncio.fixture
async def whip_server(relay_harness):
    server = WhipServer(relay_harness.relay, secret=SECRET, host="127.0.0.1")
    server.url = f"http://127.0.0.1:{await server.start()}"
    yield server
    await server.close()


@pytest.mark.asyncio
async def test_whep_needs_a_valid_token_with_the_subscribe_right_for_that_room(whip_server):
    def token(perms, *, room="room-1", ttl=300):
        return issue_token(secret=SECRET, room=room, peer="dave", perms=perms, ttl=ttl)

    cases = [
        (None, 401, "unauthorized"),
        ("v1.forged.token", 401, "unauthorized"),
        (token(["join", "subscribe"], ttl=-10), 401, "unauthorized"),  # expired
        (token(["join", "subscribe"], room="room-2"), 403, "room_mismatch"),
        (token(["join"]), 403, "forbidden"),
    ]
    for credential, status, code in cases:
        player = Player()
        response = await post_offer(f"{whip_server.url}/whep/room-1", player.pc, credential)
        body = await response.json()
        await player.close()
        assert (response.status, body["code"]) == (status, code), (credential, body)
    assert body["extra"] == {"action": "subscribe"}
    assert not whip_server.sessions and whip_server.relay.rooms == {}


@pytest.mark.asyncio
async def test_bad_requests_cors_preflight_patch_and_standalone_whip(whip_server):
    token = issue_token(secret=SECRET, room="room-1", peer="dave", perms=["join", "subscribe"])
    url = f"{whip_server.url}/whep/room-1"

    status, _, body = await request("POST", url, data="v=0\r\nnonsense", headers=SDP | bearer(token))
    assert (status, json.loads(body)["code"]) == (400, "invalid_sdp")
    status, _, body = await request(
        "POST", url, data="{}", headers=bearer(token) | {"Content-Type": "application/json"}
    )
    assert (status, json.loads(body)["code"]) == (415, "unsupported_media_type")

    status, headers, _ = await request(
        "OPTIONS", url, headers={"Origin": "https://player.example", "Access-Control-Request-Method": "POST"}
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]
    assert "Location" in headers["Access-Control-Expose-Headers"]
    assert headers["Accept-Post"] == "application/sdp"

    status, headers, _ = await request("PATCH", f"{url}/some-id", data="a=candidate:1", headers=SDP)
    assert status == 405 and headers["Allow"] == "DELETE, OPTIONS"  # no trickle ICE: the answer has every candidate
    assert (await request("DELETE", f"{url}/unknown"))[0] == 404

    # without the platform (run_relay --standalone) WHIP accepts no stream key
    response = await post_offer(f"{whip_server.url}/whip/room-1", obs := obs_stand_in(video=False), "wtsk_anything")
    await obs.close()
    assert response.status == 401 and response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.asyncio
async def test_a_whep_player_prefers_the_whip_publisher_else_the_oldest_producer_of_each_kind(relay_harness):
    # the WHIP publisher is "7~whip" (selectors.whip_peer_id), alice and bob talk from a browser
    async def stream_key_peer(key: str) -> PeerInfo:
        return PeerInfo(peer_id="7~whip", room="room-1", permissions=frozenset({"join", "publish_audio"}))

    server = WhipServer(relay_harness.relay, secret=SECRET, host="127.0.0.1", stream_key_peer=stream_key_peer)
    base = f"http://127.0.0.1:{await server.start()}"
    player, obs = Player(), obs_stand_in()
    try:
        alice = await relay_harness.client("alice")
        await alice.publish(ToneTrack(440))
        bob = await relay_harness.client("bob")
        await bob.publish(ToneTrack(550))
        token = issue_token(secret=SECRET, room="room-1", peer="carol", perms=["join", "subscribe"])
        played = await post_offer(f"{base}/whep/room-1", player.pc, token)
        assert played.status == 201
        await apply_answer(player.pc, played)
        router = relay_harness.router()
        carol = next(p for p in router.participants.values() if p.id.startswith("carol~whep-"))

        def playing() -> dict[str, str | None]:
            return {s.kind: s.producer.peer.id if s.producer else None for s in carol.slots}

        assert playing() == {"audio": "alice", "video": None}  # the oldest audio; no video yet

        response = await post_offer(f"{base}/whip/room-1", obs, "any key")
        assert response.status == 201
        await eventually(lambda: playing() == {"audio": "7~whip", "video": "7~whip"})  # WHIP goes first

        await request("DELETE", base + response.headers["Location"])
        await eventually(lambda: playing() == {"audio": "alice", "video": None})  # back to the oldest
        await alice.close()
        await eventually(lambda: playing() == {"audio": "bob", "video": None})
    finally:
        await player.close()
        await obs.close()
        await server.close()


# ------------------------------------------------------------------ stream keys against the database


@pytest.fixture
def room(alice, bob):
    """A voice room led by alice (the microphone on); bob is a member."""
    room = RoomFactory(id=unique_room_id(), created_by=alice, kind="voice")
    add_member(room, bob)
    return room


@pytest_asyncio.fixture
async def platform_whip(relay_harness):
    RoomLink(relay_harness.relay, cache_seconds=0)  # live rights from the database (relay.authorize)
    server = WhipServer(relay_harness.relay, secret=SECRET, host="127.0.0.1", stream_key_peer=platform_stream_key_peer)
    server.url = f"http://127.0.0.1:{await server.start()}"
    yield server
    await server.close()


async def whip(server, room, key, *, pc=None) -> aiohttp.ClientResponse:
    pc = pc or obs_stand_in()
    try:
        return await post_offer(f"{server.url}/whip/room-{room.pk}", pc, key)
    finally:
        await pc.close()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("platform_isolation")
async def test_stream_keys_are_checked_against_the_database_and_the_live_room(platform_whip, room, alice, bob):
    create = database_sync_to_async(stream_key_create)
    old_key = (await create(actor=alice, room=room))[1]
    row, key = await create(actor=alice, room=room)  # rotating revokes the old key

    for credential, code in [(None, "unauthorized"), ("wtsk_forged", "unauthorized"), (old_key, "unauthorized")]:
        response = await whip(platform_whip, room, credential)
        assert (response.status, (await response.json())["code"]) == (401, code)

    obs = obs_stand_in()
    response = await whip(platform_whip, room, key, pc=obs)
    assert response.status == 201
    router = platform_whip.relay.rooms[f"room-{room.pk}"]
    publisher = router.participants[f"{alice.pk}~whip"]  # alice may also be in the voice from a browser
    assert sorted(p.kind for p in publisher.producers.values()) == ["audio", "video"]
    assert (await request("DELETE", f"{platform_whip.url}{response.headers['Location']}"))[0] == 200
    assert f"room-{room.pk}" not in platform_whip.relay.rooms

    for body in ("v=0\r\ngarbage", "not sdp at all"):
        bad = await request("POST", f"{platform_whip.url}/whip/room-{room.pk}", data=body, headers=SDP | bearer(key))
        assert (bad[0], json.loads(bad[2])["code"]) == (400, "invalid_sdp")
    other = await database_sync_to_async(RoomFactory)(id=unique_room_id(), created_by=bob, kind="voice")
    response = await whip(platform_whip, other, key)
    assert (response.status, (await response.json())["code"]) == (403, "room_mismatch")

    # alice is no longer the leader and the room microphone is off: her key may not publish
    await database_sync_to_async(
        lambda: (
            RoomMember.objects.filter(room=room, user=alice).update(role=RoomRole.MEMBER),
            Room.objects.filter(pk=room.pk).update(is_mic_enabled=False),
        )
    )()
    response = await whip(platform_whip, room, key)
    body = await response.json()
    assert (response.status, body["code"], body["extra"]) == (403, "forbidden", {"action": "publish_audio"})

    # revoked: refused at once
    await database_sync_to_async(
        lambda: (
            RoomMember.objects.filter(room=room, user=alice).update(role=RoomRole.LEADER),
            stream_key_revoke(actor=alice, room=room),
        )
    )()
    response = await whip(platform_whip, room, key)
    assert (response.status, (await response.json())["extra"]) == (401, {"reason": "stream_key_revoked"})


# ------------------------------------------------------------------ services and API


@pytest.mark.django_db
@pytest.mark.usefixtures("platform_isolation")
def test_stream_key_api_leader_only_shown_once_stored_hashed_rotated_revoked(settings, room, alice, bob):
    settings.MEDIA_RELAY_HTTP_URL = "https://relay-a.example/,https://relay-b.example/"
    api = APIClient()
    url = f"/api/v1/rooms/{room.code}/stream-key/"

    api.force_authenticate(bob)
    response = api.post(url)
    assert (response.status_code, response.json()["code"]) == (403, "not_room_leader")

    api.force_authenticate(alice)
    first = api.post(url)
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["whip_url"] == f"{settings.SITE_URL}/whip/room-{room.pk}"  # stable; redirects to the worker
    assert data["key"].startswith("wtsk_") and data["prefix"] == data["key"][:10]
    stored = StreamKey.objects.get()
    assert stored.key_hash == hash_key(data["key"]) and data["key"] not in str(stored.__dict__)

    second = api.post(url).json()
    assert StreamKey.objects.filter(revoked_at__isnull=True).get().key_hash == hash_key(second["key"])

    assert api.delete(url).status_code == 204
    response = api.delete(url)
    assert (response.status_code, response.json()["code"]) == (404, "stream_key_not_found")
    assert not StreamKey.objects.filter(revoked_at__isnull=True).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("platform_isolation")
def test_stream_key_authenticate_queries_and_refusals(room, alice, django_assert_num_queries):
    _, key = stream_key_create(actor=alice, room=room)
    with django_assert_num_queries(2):  # the key with its user, the last-used stamp
        assert stream_key_authenticate(key=key).user == alice
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError) as refused:
        stream_key_authenticate(key=key)
    assert refused.value.code == "stream_key_invalid"
    room.closed_at = room.created_at
    room.save(update_fields=["closed_at"])
    with pytest.raises(ApplicationError) as gone:
        stream_key_create(actor=alice, room=room)
    assert gone.value.status == 410


@pytest.mark.django_db
def test_the_platforms_whip_url_redirects_to_the_rooms_worker_keeping_the_method(settings, client, room):
    settings.REDIS_URL = ""  # the embedded rule: MEDIA_RELAY_HTTP_URL by position (the registry's case: test_registry)
    settings.MEDIA_RELAY_HTTP_URL = "https://relay-a.example/,https://relay-b.example/"
    worker = ["https://relay-a.example", "https://relay-b.example"][room.pk % 2]

    response = client.post(f"/whip/room-{room.pk}", b"v=0", content_type="application/sdp")
    assert (response.status_code, response["Location"]) == (307, f"{worker}/whip/room-{room.pk}")

    preflight = client.options(f"/whip/room-{room.pk}")
    assert preflight.status_code == 204 and "POST" in preflight["Access-Control-Allow-Methods"]
    assert client.post("/whip/not-a-room", b"v=0", content_type="application/sdp").status_code == 404
    assert client.get(f"/whip/room-{room.pk}").status_code == 405


@pytest.mark.asyncio
async def test_the_worker_answers_its_health_check_for_compose(whip_server):
    async with aiohttp.ClientSession() as session, session.get(f"{whip_server.url}/healthz") as response:
        assert (response.status, await response.text()) == (200, "ok")
