"""Cascading (media_relay.sfu.cascade): two real relay worker processes registered in Redis; a publisher
on worker A (the room's origin), a viewer placed on worker B by the registry's cap, B pulling the
room's producers from A through a pipe. Skipped without REDIS_URL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path

import av
import pytest
import pytest_asyncio
import redis
from aiortc.rtp import RTCP_PSFB_PLI, RtcpPsfbPacket, RtpPacket

from media_relay.sfu import hooks
from media_relay.sfu.pipe_srtp import PipeSrtp, pipe_nonce
from media_relay.sfu.registry import Registry, WorkerLoad
from media_relay.sfu.tokens import issue_token

from .conftest import ALL_PERMS, SECRET
from .peers import PatternTrack, RelayClient, ToneTrack, dominant_frequency, rms

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
ROOM = "stream-1"

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="cascading places rooms through the Redis registry")


class Cluster:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.procs: list[asyncio.subprocess.Process] = []
        self.urls: dict[str, str] = {}  # worker id -> signalling URL
        self.reports: list[dict] = []
        self.clients: list[RelayClient] = []

    async def start_worker(self) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.media_relay.cascade_process", SECRET.decode(), REDIS_URL,
            self.registry.prefix, cwd=str(ROOT), env=dict(os.environ, PYTHONPATH=str(ROOT)),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )
        self.procs.append(proc)
        while True:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
            if not line:
                raise AssertionError("the relay worker exited before it was ready")
            if line.startswith("READY "):
                _, port, worker_id = line.split()
                self.urls[worker_id] = f"ws://127.0.0.1:{port}/"
                return worker_id

    async def client(self, worker_id: str, peer: str, *, perms: list[str]) -> RelayClient:
        token = issue_token(secret=SECRET, room=ROOM, peer=peer, name=peer.title(), perms=perms)
        client = await RelayClient(self.urls[worker_id], token, name=peer).connect()
        self.clients.append(client)
        assert (await client.join(ROOM))["type"] == "joined"
        return client

    def worker(self, worker_id: str) -> WorkerLoad | None:
        return next((w for w in self.registry.worker_list() if w.id == worker_id), None)

    async def until_worker(self, worker_id: str, predicate, timeout: float = 10.0) -> WorkerLoad:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            worker = await asyncio.to_thread(self.worker, worker_id)
            if worker is not None and predicate(worker):
                return worker
            await asyncio.sleep(0.1)
        raise AssertionError(f"worker {worker_id}: {self.worker(worker_id)}")

    async def stop(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 5)
        for proc in self.procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            out, _ = await asyncio.wait_for(proc.communicate(), 20)
            lines = out.decode().strip().splitlines()
            self.reports.append(json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {})


@pytest.fixture
def registry():
    client = redis.Redis.from_url(REDIS_URL)
    registry = Registry(client, prefix=f"test-cascade-{secrets.token_hex(6)}:")
    yield registry
    keys = list(client.scan_iter(match=f"{registry.prefix}*"))
    if keys:
        client.delete(*keys)


@pytest_asyncio.fixture
async def cluster(registry):
    cluster = Cluster(registry)
    try:
        yield cluster
    finally:
        await cluster.stop()


async def until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_a_viewer_over_the_cap_is_served_by_an_edge_through_a_pipe(cluster):
    a, b = await cluster.start_worker(), await cluster.start_worker()
    cluster.registry.client.set(cluster.registry.room_key(ROOM), a)  # the room's origin is A

    publisher = await cluster.client(a, "alice", perms=ALL_PERMS)
    reply = await publisher.publish(ToneTrack(440), PatternTrack())
    assert reply["type"] == "answer", reply
    producers = {p["kind"]: p["producer_id"] for p in reply["producers"]}
    video_sender = next(t.sender for t in publisher.pub_pc.getTransceivers() if t.kind == "video")
    keyframe_requests: list[float] = []

    async def on_feedback(kind, lost):
        if kind == "keyframe":
            keyframe_requests.append(time.monotonic())

    hooks.intercept_sender_rtcp(video_sender, on_feedback, passthrough=True)

    # the cap: A holds one peer (the publisher) once its heartbeat says so, so a viewer goes to B
    await cluster.until_worker(a, lambda w: w.peers == 1 and w.rooms == [ROOM])
    placed = await asyncio.to_thread(cluster.registry.room_viewer_place, ROOM, cap=1)
    assert placed.id == b
    assert (await asyncio.to_thread(cluster.registry.room_viewer_place, ROOM, cap=2)).id == a  # under the cap: origin

    viewer = await cluster.client(b, "bob", perms=["join", "subscribe"])
    for producer_id in producers.values():  # B pulls A's producers: its viewer is told, as of any producer
        await viewer.wait_for(lambda m, p=producer_id: m.get("type") == "media_relay.producer"
                              and m.get("op") == "added" and m["producer"]["producer_id"] == p)
    await viewer.consume_and_wait(list(producers.values()))
    await until_worker_edge(cluster, a, b)

    # audio: decoded at the viewer, 440 Hz
    await viewer.wait_packets(producers["audio"], 90, timeout=15)
    samples = viewer.sinks[viewer.mid_of(producers["audio"])].samples[48000 // 4:]
    assert len(samples) > 48000 // 2 and rms(samples) > 1000
    assert dominant_frequency(samples) == pytest.approx(440, abs=3)
    # video: decodable frames (the edge started the viewer at a keyframe that came through the pipe)
    video_mid = viewer.mid_of(producers["video"])
    frame = await asyncio.wait_for(viewer.tracks_by_mid[video_mid].recv(), 10)
    assert isinstance(frame, av.VideoFrame) and (frame.width, frame.height) == (PatternTrack.WIDTH, PatternTrack.HEIGHT)

    # an edge serves viewers only: someone allowed to publish is told to publish on the origin
    dave = await cluster.client(b, "dave", perms=ALL_PERMS)
    refused = await dave.publish(ToneTrack(660))
    assert refused["code"] == "forbidden" and refused["extra"] == {"action": "publish_audio", "edge": True}
    await dave.send({"type": "leave"})

    # a keyframe request from B's viewer reaches the publisher on A (no other request meanwhile)
    await asyncio.sleep(1.0)
    quiet_since = time.monotonic()
    await asyncio.sleep(1.0)
    assert not [t for t in keyframe_requests if t > quiet_since]
    receiver = next(t.receiver for t in viewer.sub_pc.getTransceivers() if t.mid == video_mid)
    await hooks.send_pli(receiver, viewer.rtp_log[video_mid][-1][3])
    asked = time.monotonic()
    await until(lambda: any(t > asked for t in keyframe_requests), timeout=5)

    # the publisher leaves: B's tracks end (both producers closed on B, their consumers too) and stop
    await publisher.send({"type": "leave"})
    for producer_id in producers.values():
        await viewer.wait_for(lambda m, p=producer_id: m.get("type") == "media_relay.producer"
                              and m.get("op") == "closed" and m["producer_id"] == p)
        await viewer.wait_for(lambda m, p=producer_id: m.get("type") == "media_relay.consumer"
                              and m.get("op") == "closed" and m["producer_id"] == p)
    await asyncio.sleep(0.3)
    counts = viewer.packets_from(producers["audio"]), viewer.packets_from(producers["video"])
    await asyncio.sleep(0.5)
    assert (viewer.packets_from(producers["audio"]), viewer.packets_from(producers["video"])) == counts

    # the edge's last viewer leaves: B releases its pipe, and A's room (only the pipe left in it) closes
    await viewer.send({"type": "leave"})
    await cluster.until_worker(b, lambda w: w.edge_rooms == [] and w.peers == 0)
    await cluster.until_worker(a, lambda w: w.pipes == 0 and w.rooms == [])

    await cluster.stop()
    for report in cluster.reports:  # the relay forwards RTP through the pipe: nothing decoded or encoded
        assert report["audit"].get("created", 0) == 0, report


async def until_worker_edge(cluster: Cluster, origin: str, edge: str) -> None:
    await cluster.until_worker(edge, lambda w: w.edge_rooms == [ROOM] and w.rooms == [])
    await cluster.until_worker(origin, lambda w: w.pipes == 1 and w.peers == 1)


def beat(registry: Registry, worker_id: str, *, peers: int = 0, consumers: int = 0) -> None:
    registry.heartbeat(WorkerLoad(id=worker_id, url=f"ws://{worker_id}/", peers=peers, consumers=consumers,
                                  heartbeat_at=time.time()))


def test_viewer_placement_fills_the_origin_to_the_cap_then_edges(registry):
    for worker_id in ("a", "b", "c"):
        beat(registry, worker_id)
    beat(registry, "b", consumers=100)  # busier than c
    registry.client.set(registry.room_key(ROOM), "a")

    placed = [registry.room_viewer_place(ROOM, cap=2).id for _ in range(6)]
    # two on the origin (grants count before the heartbeat does), then the least-loaded other worker
    # becomes an edge and takes two, then the next; all full: the least-loaded of origin and edges
    assert placed[:5] == ["a", "a", "c", "c", "b"]
    assert placed[5] in {"a", "b", "c"}
    assert {e.decode() for e in registry.client.smembers(registry.edges_key(ROOM))} == {"b", "c"}
    assert registry.room_origin(ROOM) == ("a", "ws://a/")
    # no cap: always the origin, and nothing becomes an edge
    assert registry.room_viewer_place("other-room", cap=0).id == registry.room_origin("other-room")[0]
    assert not registry.client.exists(registry.edges_key("other-room"))


def pipe_request(port: int = 9, **extra) -> dict:
    return {"type": "pipe", "room": "room-1", "address": ["127.0.0.1", port], "nonce": "n" * 32, **extra}


@pytest.mark.asyncio
async def test_only_a_pipe_token_opens_a_pipe(relay_harness):
    viewer = await relay_harness.client("bob", join=False)
    reply = await viewer.request(pipe_request())
    assert reply["code"] == "forbidden" and reply["extra"] == {"action": "pipe"}
    # the permission alone is not enough: the peer must be a worker's pipe peer
    impostor = await relay_harness.client("eve", join=False, perms=["pipe"])
    assert (await impostor.request(pipe_request()))["code"] == "forbidden"
    worker = await relay_harness.client("~pipe:w2", join=False, perms=["pipe"])
    bad = await worker.request({**pipe_request(), "address": ["127.0.0.1", "x"]})
    assert bad["code"] == "invalid"
    no_nonce = {k: v for k, v in pipe_request().items() if k != "nonce"}
    assert (await worker.request(no_nonce))["extra"] == {"fields": {"nonce": "required"}}
    reply = await worker.request(pipe_request())
    assert reply["type"] == "piped" and reply["producers"] == [] and len(reply["nonce"]) == 32
    router = relay_harness.router()
    watcher = await relay_harness.client("carol")
    assert "~pipe:w2" in router.participants and (await watcher.join("room-1"))["code"] == "already_joined"
    joined = next(m for m in watcher.messages if m.get("type") == "joined")
    assert joined["peers"] == []  # the pipe is never listed nor announced
    await watcher.request({"type": "ping"})
    assert not [m for m in watcher.messages if m.get("type") == "media_relay.peer"]


class Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        self.received.put_nowait(data)


async def udp_endpoint() -> Datagrams:
    _, protocol = await asyncio.get_running_loop().create_datagram_endpoint(Datagrams, local_addr=("127.0.0.1", 0))
    return protocol


@pytest.mark.asyncio
async def test_the_pipe_is_srtp_and_the_origin_drops_what_does_not_authenticate(relay_harness):
    """The origin's end of a pipe, driven by a fake edge: its media arrives protected with the key the
    edge derives from the relay secret and both nonces; RTCP from the edge's address counts only when it
    authenticates (plain RTCP or another key is dropped), and nothing is taken from another address."""
    publisher = await relay_harness.client("alice")
    reply = await publisher.publish(PatternTrack())
    video_id = reply["producers"][0]["producer_id"]
    video_sender = next(t.sender for t in publisher.pub_pc.getTransceivers() if t.kind == "video")
    keyframe_requests: list[float] = []

    async def on_feedback(kind, lost):
        if kind == "keyframe":
            keyframe_requests.append(time.monotonic())

    hooks.intercept_sender_rtcp(video_sender, on_feedback, passthrough=True)

    edge, stranger = await udp_endpoint(), await udp_endpoint()
    worker = await relay_harness.client("~pipe:w2", join=False, perms=["pipe"])
    edge_nonce = pipe_nonce()
    piped = await worker.request(pipe_request(edge.transport.get_extra_info("sockname")[1], nonce=edge_nonce))
    assert piped["type"] == "piped", piped
    origin_address = tuple(piped["address"])
    ssrc = next(p["ssrc"] for p in piped["producers"] if p["producer"]["producer_id"] == video_id)
    keys = dict(room="room-1", edge_peer="~pipe:w2", edge_nonce=edge_nonce, origin_nonce=piped["nonce"])
    srtp = PipeSrtp.for_end(SECRET, origin=False, **keys)
    wrong_key = PipeSrtp.for_end(b"another secret", origin=False, **keys)

    # media: every datagram is SRTP under this pipe's key, and only under it
    datagram = await asyncio.wait_for(edge.received.get(), 5)
    assert wrong_key.unprotect(datagram) is None
    plain = srtp.unprotect(datagram)
    assert RtpPacket.parse(plain).ssrc == ssrc
    assert len(datagram) == len(plain) + 16 and plain[-16:] not in datagram  # encrypted, a GCM tag added

    pipe_out = relay_harness.router().participants["~pipe:w2"]
    await asyncio.sleep(1.5)  # past the keyframe-request limit of the pipe consumer's first keyframe
    pli = bytes(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=0, media_ssrc=ssrc))
    asked = time.monotonic()
    edge.transport.sendto(pli, origin_address)  # plain RTCP from the right address
    edge.transport.sendto(wrong_key.protect(pli), origin_address)  # the wrong key
    stranger.transport.sendto(srtp.protect(pli), origin_address)  # the right key from another address
    await until(lambda: pipe_out.socket.rejected == 3)
    await asyncio.sleep(0.5)
    assert not [t for t in keyframe_requests if t > asked]
    edge.transport.sendto(srtp.protect(pli), origin_address)  # the edge, keyed: the publisher is asked
    await until(lambda: any(t > asked for t in keyframe_requests), timeout=5)
    assert pipe_out.socket.rejected == 3
    edge.transport.close()
    stranger.transport.close()


@pytest.mark.asyncio
async def test_pipe_srtp_keys_differ_per_direction_and_per_pipe():
    keys = dict(room="stream-1", edge_peer="~pipe:w2", edge_nonce=pipe_nonce(), origin_nonce=pipe_nonce())
    origin, edge = PipeSrtp.for_end(SECRET, origin=True, **keys), PipeSrtp.for_end(SECRET, origin=False, **keys)
    rtp = RtpPacket(payload_type=96, sequence_number=7, timestamp=1, ssrc=5, payload=b"frame").serialize()
    protected = origin.protect(rtp)
    assert edge.unprotect(protected) == rtp
    assert origin.unprotect(origin.protect(rtp)) is None  # a direction's key is not the other's
    assert edge.unprotect(protected) is None  # a replay
    assert origin.protect(rtp) == protected  # a NACKed packet resent with its index: allowed on the way out
    another_pipe = PipeSrtp.for_end(SECRET, origin=False, **{**keys, "origin_nonce": pipe_nonce()})
    assert another_pipe.unprotect(origin.protect(rtp[:2] + b"\x00\x08" + rtp[4:])) is None
    assert edge.rejected == 1 and another_pipe.rejected == 1
