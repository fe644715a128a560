"""End to end: aiortc peers publish and receive through the relay.

Publisher and subscribers are aiortc clients in the test process (or in child
processes where the test needs to freeze one); the relay runs in-process (the
``relay_harness`` fixture) or, for the codec audit, in its own process.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from media_relay.sfu import hooks, rtp
from media_relay.sfu.tokens import issue_token

from .conftest import MODERATOR_PERMS, SECRET
from .peers import RelayClient, ToneTrack, dominant_frequency, rms

ROOT = Path(__file__).resolve().parents[2]


async def publish_tone(client: RelayClient, frequency: float = 440.0) -> str:
    reply = await client.publish(ToneTrack(frequency))
    assert reply["type"] == "answer", reply
    return reply["producers"][0]["producer_id"]


async def spawn(
    *args: str, env_extra: dict | None = None, stderr=asyncio.subprocess.DEVNULL
) -> asyncio.subprocess.Process:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    return await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=str(ROOT), env=env, stdout=asyncio.subprocess.PIPE, stderr=stderr
    )


async def read_ready(proc: asyncio.subprocess.Process, timeout: float = 30.0) -> str:
    while True:
        line = (await asyncio.wait_for(proc.stdout.readline(), timeout)).decode()
        if not line:
            raise AssertionError("child exited before it was ready")
        if line.startswith("READY "):
            return line.split()[1]


async def drained_to(client: RelayClient, producer_id: str, relay_sent: int, *, quiet: float = 0.5) -> None:
    """Wait until the subscriber has everything the relay sent it (packets in flight when
    forwarding stopped), then check that nothing more arrives for ``quiet`` seconds."""
    deadline = time.monotonic() + 5
    while client.packets_from(producer_id) < relay_sent and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    count = client.packets_from(producer_id)
    assert relay_sent - 2 <= count <= relay_sent  # loopback: no loss, nothing extra
    await asyncio.sleep(quiet)
    assert client.packets_from(producer_id) == count


def kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        try:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
        except ProcessLookupError:
            pass


@pytest.mark.asyncio
async def test_tone_reaches_subscriber_at_440_hz_and_the_relay_never_decodes_or_encodes():
    relay = await spawn("-m", "tests.media_relay.relay_process", SECRET.decode())
    clients = []
    try:
        port = await read_ready(relay)
        url = f"ws://127.0.0.1:{port}/"

        def token(peer):
            return issue_token(secret=SECRET, room="tone", peer=peer, perms=["join", "publish_audio", "subscribe"])

        publisher = await RelayClient(url, token("alice"), name="alice").connect()
        subscriber = await RelayClient(url, token("bob"), name="bob").connect()
        clients += [publisher, subscriber]
        assert (await publisher.join("tone"))["type"] == "joined"
        assert (await subscriber.join("tone"))["type"] == "joined"
        producer_id = await publish_tone(publisher)
        await subscriber.consume_and_wait([producer_id])
        await subscriber.wait_packets(producer_id, 90, timeout=10)  # ~1.8 s of audio

        sink = subscriber.sinks[subscriber.mid_of(producer_id)]
        samples = sink.samples[48000 // 4 :]  # skip the decoder's start-up
        assert len(samples) > 48000 // 2
        assert rms(samples) > 1000  # a tone, not silence
        assert dominant_frequency(samples) == pytest.approx(440, abs=3)
        speakers = await subscriber.wait_for(
            lambda m: m.get("type") == "media_relay.speakers" and m.get("dominant") == "alice"
        )
        assert speakers["speaking"][0]["peer_id"] == "alice"
    finally:
        for client in clients:
            await client.close()
        if relay.returncode is None:
            relay.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(relay.communicate(), 20)
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert report["forwarded"]["packets_out"] >= 80  # sampled every 0.1 s by the relay process
    # no codec object was created in the relay process, so nothing was decoded or encoded
    assert report["audit"].get("created", 0) == 0, report
    assert report["audit"].get("decode", 0) == report["audit"].get("encode", 0) == report["audit"].get("pack", 0) == 0


@pytest.mark.asyncio
async def test_mute_stops_forwarding_to_every_subscriber_at_once_and_unmute_resumes(relay_harness):
    alice = await relay_harness.client("alice", decode=False)
    bob = await relay_harness.client("bob", decode=False)
    carol = await relay_harness.client("carol", decode=False)
    moderator = await relay_harness.client("mod", perms=MODERATOR_PERMS, decode=False)
    producer_id = await publish_tone(alice)
    await bob.consume_and_wait([producer_id])
    await carol.consume_and_wait([producer_id])
    await bob.wait_packets(producer_id, 20)
    await carol.wait_packets(producer_id, 20)
    producer = relay_harness.router().producers[producer_id]
    assert all(c.sink.write is not None for c in producer.consumers)  # the synchronous fast path is in use

    reply = await moderator.request({"type": "mute", "peer_id": "alice", "kind": "audio", "muted": True})
    assert reply == {
        "type": "ok",
        "for": "mute",
        "peer_id": "alice",
        "muted": True,
        "producers": [producer_id],
        "ref": reply["ref"],
    }
    # relay side: from the moment the reply was sent, not one more packet was forwarded
    sent_at_mute = {c.peer.id: c.packets_out for c in producer.consumers}
    packets_in_at_mute = producer.packets_in
    # subscribers get what was already sent, then nothing
    await drained_to(bob, producer_id, sent_at_mute["bob"])
    await drained_to(carol, producer_id, sent_at_mute["carol"])
    assert {c.peer.id: c.packets_out for c in producer.consumers} == sent_at_mute
    assert producer.packets_in > packets_in_at_mute + 10  # alice kept sending all along
    bob_count, carol_count = bob.packets_from(producer_id), carol.packets_from(producer_id)
    for client in (alice, bob, carol):
        await client.wait_for(
            lambda m: m.get("type") == "media_relay.producer" and m.get("op") == "paused" and m.get("by") == "moderator"
        )

    refused = await alice.request({"type": "mute", "muted": False})
    assert refused["code"] == "muted_by_moderator"

    logged_while_muted = {c: len(c.rtp_log[c.mid_of(producer_id)]) for c in (bob, carol)}
    reply = await moderator.request({"type": "mute", "peer_id": "alice", "kind": "audio", "muted": False})
    assert reply["type"] == "ok" and reply["muted"] is False
    await bob.wait_packets(producer_id, bob_count + 5, timeout=3)
    await carol.wait_packets(producer_id, carol_count + 5, timeout=3)
    for client in (bob, carol):
        log = client.rtp_log[client.mid_of(producer_id)]
        last_seq, first_after = log[logged_while_muted[client] - 1][1], log[logged_while_muted[client]][1]
        assert rtp.seq_diff(first_after, last_seq) == 1  # numbering continues: no fake loss


@pytest.mark.asyncio
async def test_self_mute_and_unmute(relay_harness):
    alice = await relay_harness.client("alice", decode=False)
    bob = await relay_harness.client("bob", decode=False)
    producer_id = await publish_tone(alice)
    await bob.consume_and_wait([producer_id])
    await bob.wait_packets(producer_id, 10)
    assert (await alice.request({"type": "mute", "muted": True}))["producers"] == [producer_id]
    consumer = relay_harness.router().producers[producer_id].consumers[0]
    sent = consumer.packets_out
    await drained_to(bob, producer_id, sent)
    assert consumer.packets_out == sent
    count = bob.packets_from(producer_id)
    assert (await alice.request({"type": "mute", "muted": False}))["producers"] == [producer_id]
    await bob.wait_packets(producer_id, count + 5, timeout=3)


@pytest.mark.asyncio
async def test_kicked_member_stops_being_forwarded_at_once(relay_harness):
    alice = await relay_harness.client("alice", decode=False)
    bob = await relay_harness.client("bob", decode=False)
    moderator = await relay_harness.client("mod", perms=MODERATOR_PERMS, decode=False)
    producer_id = await publish_tone(alice)
    await bob.consume_and_wait([producer_id])
    await bob.wait_packets(producer_id, 20)
    producer = relay_harness.router().producers[producer_id]
    consumer = producer.consumers[0]

    forbidden = await bob.request({"type": "kick", "peer_id": "alice"})
    assert forbidden["code"] == "forbidden" and forbidden["extra"] == {"action": "kick"}

    reply = await moderator.request({"type": "kick", "peer_id": "alice", "reason": "spam"})
    assert reply["type"] == "ok"
    sent = consumer.packets_out
    assert producer.closed and consumer.closed and "alice" not in relay_harness.router().participants
    kicked = await alice.wait_for(lambda m: m.get("type") == "kicked")
    assert kicked["reason"] == "spam"
    await bob.wait_for(lambda m: m.get("type") == "media_relay.consumer" and m.get("op") == "closed")
    await bob.wait_for(
        lambda m: (
            m.get("type") == "media_relay.producer" and m.get("op") == "closed" and m["producer_id"] == producer_id
        )
    )
    left = await bob.wait_for(lambda m: m.get("type") == "media_relay.peer" and m.get("op") == "left")
    assert left["reason"] == "kicked"
    await drained_to(bob, producer_id, sent)
    assert consumer.packets_out == sent
    for _ in range(50):
        if alice.closed_code is not None:
            break
        await asyncio.sleep(0.05)
    assert alice.closed_code == 4403


@pytest.mark.asyncio
async def test_vanished_peer_is_cleaned_up_within_a_few_seconds(relay_harness):
    bob = await relay_harness.client("bob", decode=False)
    child = await spawn(
        "-m", "tests.media_relay.peer_process", relay_harness.url, relay_harness.token("ghost"), "room-1"
    )
    try:
        producer_id = await read_ready(child)
        await bob.consume_and_wait([producer_id])
        await bob.wait_packets(producer_id, 20)
        await bob.wait_for(lambda m: m.get("type") == "media_relay.speakers" and m.get("dominant") == "ghost")
        router = relay_harness.router()
        consumer = router.producers[producer_id].consumers[0]

        child.send_signal(signal.SIGSTOP)  # frozen: no goodbye, no FIN, no RTCP, no pongs
        vanished_at = time.monotonic()
        start = len(bob.messages)
        left = await bob.wait_for(
            lambda m: m.get("type") == "media_relay.peer" and m.get("op") == "left", timeout=6, start=start
        )
        elapsed = time.monotonic() - vanished_at
        assert left["peer_id"] == "ghost" and left["reason"] in ("disconnected", "vanished")
        assert elapsed < 4.0, elapsed
        assert "ghost" not in router.participants and producer_id not in router.producers
        assert consumer.closed
        await bob.wait_for(lambda m: m.get("type") == "media_relay.consumer" and m.get("op") == "closed", start=start)
        cleared = await bob.wait_for(
            lambda m: m.get("type") == "media_relay.speakers" and m["dominant"] is None, start=start
        )
        assert cleared["speaking"] == []
        assert time.monotonic() - vanished_at < 4.0
    finally:
        kill(child)
        await child.wait()


@pytest.mark.asyncio
async def test_bad_messages_get_an_error_to_that_peer_only_while_others_keep_receiving(relay_harness):
    alice = await relay_harness.client("alice", decode=False)
    bob = await relay_harness.client("bob", decode=False)
    mallory = await relay_harness.client("mallory", perms=["join", "subscribe"], decode=False)
    producer_id = await publish_tone(alice)
    await bob.consume_and_wait([producer_id])
    await bob.wait_packets(producer_id, 10)

    async def error_for(message=None, raw=None):
        start = len(mallory.messages)
        if raw is not None:
            await mallory.send_raw(raw)
            reply = await mallory.wait_for(lambda m: m.get("type") == "error", start=start)
        else:
            reply = await mallory.request(message)
        assert reply["type"] == "error", reply
        assert set(reply) >= {"code", "message", "extra"}
        return reply

    before = bob.packets_from(producer_id)
    assert (await error_for({"type": "produce", "sdp": "v=0\r\nthis is not SDP\r\nm=audio"}))["code"] in (
        "invalid_sdp",
        "forbidden",
    )
    assert (await error_for({"type": "produce", "sdp": "hello"}))["code"] == "invalid_sdp"
    unknown = await error_for({"type": "teleport"})
    assert unknown["code"] == "unknown_type" and "consume" in unknown["extra"]["known"]
    too_big = await error_for(raw=json.dumps({"type": "ping", "pad": "x" * 200_000}))
    assert too_big["code"] == "message_too_large"
    missing = await error_for({"type": "consume", "producer_ids": ["p404-nothere"]})
    assert missing["code"] == "producer_not_found" and missing["extra"] == {"producer_id": "p404-nothere"}
    assert (await error_for(raw="{not json"))["code"] == "invalid_json"
    assert (await error_for(raw="[1, 2]"))["code"] == "invalid_message"
    invalid = await error_for({"type": "consume", "producer_ids": "p1", "extra": 1})
    assert invalid["code"] == "invalid" and set(invalid["extra"]["fields"]) == {"producer_ids", "extra"}
    assert (await error_for({"type": "mute", "peer_id": "alice", "muted": True}))["code"] == "forbidden"

    # publishing without rights, with a perfectly good offer: refused before any connection exists
    from aiortc import RTCConfiguration, RTCPeerConnection

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver(ToneTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    refused = await error_for({"type": "produce", "sdp": pc.localDescription.sdp})
    assert refused["code"] == "forbidden" and refused["extra"] == {"action": "publish_audio"}
    await pc.close()
    assert relay_harness.router().participants["mallory"].pub_pc is None

    # an answer with no offer outstanding changes nothing
    assert (await error_for({"type": "answer", "sdp": "v=0\r\n"}))["code"] == "negotiation_pending"
    # a garbage answer to a real subscribe offer resets mallory's subscribe side only
    mallory.auto_answer = False
    start = len(mallory.messages)
    await mallory.consume([producer_id])
    await mallory.wait_for(lambda m: m.get("type") == "offer", start=start)
    broken = await error_for({"type": "answer", "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"})
    assert broken["code"] == "invalid_sdp" and broken["extra"] == {"pc": "subscribe", "reset": True}
    relay_side = relay_harness.router().participants["mallory"]
    assert relay_side.sub_pc is None and not relay_side.consumers
    assert relay_harness.router().producers[producer_id].consumers[0].peer.id == "bob"

    # mallory is still connected and served
    pong = await mallory.request({"type": "ping", "t": 1})
    assert pong["type"] == "pong"
    # bob never noticed
    await bob.wait_packets(producer_id, before + 50, timeout=5)
    bob_errors = [m for m in bob.messages if m.get("type") == "error"]
    assert bob_errors == []

    # protocol abuse (a binary frame) closes mallory's connection only
    await mallory.ws.send(b"\x00\x01")
    for _ in range(50):
        if mallory.closed_code is not None:
            break
        await asyncio.sleep(0.05)
    assert mallory.closed_code == 4400
    count = bob.packets_from(producer_id)
    await bob.wait_packets(producer_id, count + 10, timeout=3)


@pytest.mark.asyncio
async def test_unsupported_codec_is_refused(relay_harness):
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender

    alice = await relay_harness.client("alice", decode=False)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = pc.addTransceiver(ToneTrack(), direction="sendonly")
    transceiver.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("audio").codecs if c.name == "PCMU"])
    await pc.setLocalDescription(await pc.createOffer())
    reply = await alice.request({"type": "produce", "sdp": pc.localDescription.sdp})
    await pc.close()
    assert reply["code"] == "unsupported_codec"


@pytest.mark.asyncio
async def test_unauthenticated_handshakes_are_refused(relay_harness):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    for headers in ({}, {"Authorization": "Bearer v1.forged.token"}):
        with pytest.raises(InvalidStatus) as excinfo:
            await connect(relay_harness.url, additional_headers=headers)
        assert excinfo.value.response.status_code == 401
    expired = issue_token(secret=SECRET, room="room-1", peer="late", perms=["join"], ttl=-10)
    with pytest.raises(InvalidStatus):
        await connect(relay_harness.url, additional_headers={"Authorization": f"Bearer {expired}"})
    other_room = await relay_harness.client("eve", room="room-2", join=False)
    assert (await other_room.join("room-1"))["code"] == "room_mismatch"


@pytest.mark.asyncio
async def test_consumer_for_a_producer_that_closes_is_closed_and_room_state_is_shared(relay_harness):
    alice = await relay_harness.client("alice", decode=False)
    producer_id = await publish_tone(alice)
    late = await relay_harness.client("late", decode=False)
    joined = next(m for m in late.messages if m.get("type") == "joined")
    assert [p["producer_id"] for p in joined["producers"]] == [producer_id]
    await late.consume_and_wait([producer_id])
    await late.wait_packets(producer_id, 5)
    reply = await alice.request({"type": "close_producer", "producer_id": producer_id})
    assert reply["type"] == "ok"
    closed = await late.wait_for(lambda m: m.get("type") == "media_relay.consumer" and m.get("op") == "closed")
    assert closed["producer_id"] == producer_id and closed["reason"] == "producer_closed"
    assert (await late.consume([producer_id]))["code"] == "producer_not_found"


@pytest.mark.asyncio
@pytest.mark.parametrize("codec", ["VP8", "H264"])
async def test_video_is_forwarded_from_a_keyframe_and_pli_and_nack_are_handled(relay_harness, codec):
    from aiortc import RTCRtpSender

    from .peers import PatternTrack

    alice = await relay_harness.client("alice")
    bob = await relay_harness.client("bob")
    # alice publishes video with the chosen codec only
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    alice.pub_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = alice.pub_pc.addTransceiver(PatternTrack(), direction="sendonly")
    transceiver.setCodecPreferences(
        [c for c in RTCRtpSender.getCapabilities("video").codecs if c.name in (codec, "rtx")][
            : 2 if codec == "VP8" else 3
        ]
    )
    await alice.pub_pc.setLocalDescription(await alice.pub_pc.createOffer())
    reply = await alice.request({"type": "produce", "sdp": alice.pub_pc.localDescription.sdp})
    assert reply["type"] == "answer", reply
    await alice.pub_pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
    producer_id = reply["producers"][0]["producer_id"]
    assert reply["producers"][0]["codec"] == f"video/{codec}"

    keyframe_requests = []

    async def on_feedback(kind, lost):
        keyframe_requests.append(kind)

    hooks.intercept_sender_rtcp(transceiver.sender, on_feedback, passthrough=True)

    await bob.consume_and_wait([producer_id])
    mid = bob.mid_of(producer_id)
    frame = await asyncio.wait_for(bob.tracks_by_mid[mid].recv(), 10)  # decodable: started at a keyframe
    assert (frame.width, frame.height) == (PatternTrack.WIDTH, PatternTrack.HEIGHT)
    # the relay asked for one when bob's consumer started (the PLI may land after that first frame)
    for _ in range(50):
        if "keyframe" in keyframe_requests:
            break
        await asyncio.sleep(0.1)
    assert "keyframe" in keyframe_requests

    # bob's PLI reaches alice (through the relay's consumer feedback)
    bob_transceiver = next(t for t in bob.sub_pc.getTransceivers() if t.mid == mid)
    sender_ssrc = bob.rtp_log[mid][-1][3]
    router = relay_harness.router()
    router.producers[producer_id].last_keyframe_request = -1e9
    before = keyframe_requests.count("keyframe")
    await hooks.send_pli(bob_transceiver.receiver, sender_ssrc)
    for _ in range(100):
        if keyframe_requests.count("keyframe") > before:
            break
        await asyncio.sleep(0.02)
    assert keyframe_requests.count("keyframe") > before

    # bob NACKs a packet it got: the relay answers from its history (as RTX when negotiated)
    consumer = router.producers[producer_id].consumers[0]
    await bob.wait_packets(producer_id, 5)
    recent = bob.rtp_log[mid][-3][1]
    await hooks.send_nack(bob_transceiver.receiver, sender_ssrc, [recent])
    for _ in range(100):
        if consumer.retransmits:
            break
        await asyncio.sleep(0.02)
    assert consumer.retransmits == 1
    if consumer.rtx_payload_type is not None:
        for _ in range(100):
            if any(pt == consumer.rtx_payload_type for _, _, pt, _ in bob.rtp_log[mid]):
                break
            await asyncio.sleep(0.02)
        assert any(pt == consumer.rtx_payload_type for _, _, pt, _ in bob.rtp_log[mid])


@pytest.mark.asyncio
async def test_run_relay_management_command_serves_signalling():
    env = {"MEDIA_RELAY_TOKEN_SECRET": "command-secret", "DJANGO_SETTINGS_MODULE": "config.settings"}
    proc = await spawn(
        "manage.py",
        "run_relay",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--ice-address",
        "127.0.0.1",
        "--standalone",
        env_extra=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        while True:
            line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
            if not line:
                raise AssertionError(f"run_relay exited: {(await proc.stderr.read()).decode()[-2000:]}")
            if "listening on ws://" in line:
                url = line.strip().split("listening on ")[1]
                break
        token = issue_token(secret=b"command-secret", room="cmd", peer="u1", perms=["join"])
        client = await RelayClient(url, token).connect()
        assert (await client.join("cmd"))["type"] == "joined"
        assert (await client.request({"type": "ping"}))["type"] == "pong"
        await client.close()
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 15)
    assert proc.returncode == 0
