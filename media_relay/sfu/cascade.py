"""Cascading: a room's producers piped from the worker that receives them (origin) to other
relay workers (edges), worker to worker, so a room's viewers spread over many workers and hosts.

The mediasoup PipeTransport model: **SRTP over UDP** between two workers (mediasoup's pipe with
``enableSrtp: true``), one RTP stream per producer, no ICE, no DTLS: the keys are derived from the
shared relay secret and a nonce from each end (media_relay.sfu.pipe_srtp), so a pipe still opens in
one round trip of its control channel. It costs the origin one rewritten and protected packet per
producer per edge, with none of the aiortc machinery a WebRTC connection between workers would add
(LiveKit's relay uses a Pion peer connection, which it has for free). A datagram from another
address, or one that does not authenticate, is dropped.

* **Control**: the edge opens a WebSocket to the origin worker's own signalling endpoint with a
  token it signs itself (the shared relay secret; peer ``~pipe:<edge worker>``, permission
  ``pipe``) and sends ``pipe`` {room, address: [host, udp port], nonce}; the origin answers
  ``piped`` {address, nonce, producers}. Then the origin sends ``pipe.producer`` for each new producer and
  forwards the room's ``media_relay.producer`` closed / paused / resumed events.
* **Origin end** (``PipeOut``): a hidden participant of the origin's Router (never announced,
  never in a snapshot) holding one ordinary ``Consumer`` per producer, whose sink writes to the
  UDP socket: the pipe's stream has its own SSRC and numbering and starts at a keyframe, like
  any subscriber's. RTCP PLI / FIR / NACK from the edge reach that consumer's ``on_feedback``,
  so a keyframe request travels on to the publisher and a NACK is answered from the origin's
  history.
* **Edge end** (``PipeIn``): a ``PipedProducer`` per origin producer, with the origin's producer
  id, fed by the UDP socket; the edge's viewers consume it like any producer. Its keyframe
  requests and NACKs go back over the pipe as RTCP.
* **Lifetime**: a worker whose room opens while the registry places the room on another live
  worker becomes an edge of it (``Cascade.room_opened``); the edge room's last viewer leaving
  closes the room and with it the pipe (the origin's hidden participant leaves). A publisher
  leaving closes its producers on every edge (``media_relay.producer`` closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from aiortc import RTCRtpCodecParameters
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import (
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    HeaderExtensionsMap,
    RtcpPacket,
    RtcpPsfbPacket,
    RtcpRtpfbPacket,
    RtpPacket,
    is_rtcp,
)
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from ..errors import RelayError, RelayErrorCode
from .actions import Action
from .pipe_srtp import PipeSrtp, pipe_nonce
from .router import Consumer, Producer, Router
from .rtp import URI_ABS_SEND_TIME, URI_AUDIO_LEVEL
from .tokens import issue_token

logger = logging.getLogger(__name__)

PIPE_PEER_PREFIX = "~pipe:"
RTCP_PSFB_FIR = 4
# header extension ids on the pipe (both ends are ours): the publisher's audio level survives the pipe
PIPE_EXTENSION_IDS = {URI_AUDIO_LEVEL: 1, URI_ABS_SEND_TIME: 2}
PIPE_QUEUE_PACKETS = 4096  # datagrams waiting for the edge's event loop; more are dropped
PIPE_TOKEN_TTL = 60  # s: the time to open the control connection


def pipe_peer_id(worker_id: str) -> str:
    return f"{PIPE_PEER_PREFIX}{worker_id}"


def is_pipe_peer(peer_id: str) -> bool:
    return peer_id.startswith(PIPE_PEER_PREFIX)


def _extensions_map() -> HeaderExtensionsMap:
    extensions = HeaderExtensionsMap()
    extensions.configure(RTCRtpParameters(headerExtensions=[
        RTCRtpHeaderExtensionParameters(id=ext_id, uri=uri) for uri, ext_id in PIPE_EXTENSION_IDS.items()
    ]))
    return extensions


class PipeSocket(asyncio.DatagramProtocol):
    """A pipe's UDP socket: SRTP to the other worker; takes datagrams from that address only, and only
    those that authenticate (``rejected`` counts the others). Sends and takes nothing until ``connect``."""

    def __init__(self, on_datagram: Callable[[bytes], None]) -> None:
        self.on_datagram = on_datagram
        self.remote: tuple[str, int] | None = None
        self.srtp: PipeSrtp | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.sent = 0
        self.rejected = 0

    @classmethod
    async def open(cls, host: str, on_datagram: Callable[[bytes], None]) -> PipeSocket:
        _, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: cls(on_datagram), local_addr=(host, 0)
        )
        return protocol

    @property
    def address(self) -> list:
        host, port = self.transport.get_extra_info("sockname")[:2]
        return [host, port]

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connect(self, remote: tuple[str, int], srtp: PipeSrtp) -> None:
        self.remote, self.srtp = remote, srtp

    def datagram_received(self, data: bytes, addr) -> None:
        if self.srtp is None or tuple(addr[:2]) != self.remote:
            self.rejected += 1
            return
        plain = self.srtp.unprotect(data)
        if plain is None:
            self.rejected += 1
        else:
            self.on_datagram(plain)

    def write(self, data: bytes) -> None:
        if self.srtp is not None and self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(self.srtp.protect(data), self.remote)
            self.sent += 1

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class PipeSink:
    """A pipe consumer's sink: synchronous writes to the pipe's socket (the hot path's fast path)."""

    def __init__(self, socket: PipeSocket) -> None:
        self.write = socket.write

    async def send(self, data: bytes) -> None:  # retransmissions
        self.write(data)


def _address(value: Any) -> tuple[str, int]:
    if (
        not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], str)
        or not isinstance(value[1], int) or isinstance(value[1], bool) or not 0 < value[1] < 65536
    ):
        raise RelayError(RelayErrorCode.INVALID, "Invalid fields.", {"fields": {"address": "[host, port]"}})
    return value[0], value[1]


# ------------------------------------------------------------------ origin end


class PipeOut:
    """The origin's end of one pipe: a hidden participant of the room consuming every producer."""

    hidden = True  # the Router neither announces it nor lists it
    name = "pipe"
    media_seen = False  # the liveness sweep leaves it to its control connection

    def __init__(self, router: Router, *, peer_id: str, socket: PipeSocket, nonce: str,
                 send: Callable[[dict[str, Any]], None], disconnect: Callable[[int, str], None]) -> None:
        self.router = router
        self.id = peer_id
        self.socket = socket
        self.nonce = nonce  # this end's half of the pipe's SRTP key derivation
        self.sink = PipeSink(socket)
        self._send = send
        self.disconnect = disconnect
        self.producers: dict[str, Producer] = {}
        self.consumers: dict[str, Consumer] = {}
        self.by_ssrc: dict[int, Consumer] = {}
        self.moderator_muted: set[str] = set()
        self.closed = False
        self.last_activity = 0.0

    def touch(self, now: float) -> None:
        self.last_activity = now

    def is_moderator_muted(self, kind: str) -> bool:
        return False

    def consumer_closed(self, consumer: Consumer) -> None:
        self.by_ssrc.pop(consumer.ssrc, None)

    def pipe_producer(self, producer: Producer) -> dict[str, Any]:
        """Start sending ``producer`` down the pipe; what the edge needs to receive it."""
        consumer = Consumer(router=self.router, peer=self, producer=producer, sink=self.sink)
        ssrc = secrets.randbits(32) or 1
        consumer.configure(payload_type=producer.payload_type, rtx_payload_type=None, ssrc=ssrc, rtx_ssrc=0,
                           header_extension_ids=PIPE_EXTENSION_IDS, mid=None)
        self.by_ssrc[ssrc] = self.router.add_consumer(consumer)
        self.router.activate_consumer(consumer)
        codec = producer.codec
        return {
            "producer": producer.describe(),
            "ssrc": ssrc,
            "codec": {"mimeType": codec.mimeType, "clockRate": codec.clockRate, "channels": codec.channels,
                      "payloadType": codec.payloadType, "parameters": dict(codec.parameters)},
        }

    def send(self, message: dict[str, Any]) -> None:
        """The room's events: new producers are piped, closed / paused / resumed ones forwarded."""
        if self.closed or message.get("type") != "media_relay.producer":
            return  # peers, speakers (the edge detects its own), this pipe's consumers
        if message["op"] == "added":
            producer = self.router.producers.get(message["producer"]["producer_id"])
            if producer is not None and not producer.closed:
                self._send({"type": "pipe.producer", **self.pipe_producer(producer)})
        else:
            self._send(message)

    def on_datagram(self, data: bytes) -> None:
        """RTCP from the edge: keyframe requests and NACKs for the pipe's streams."""
        if self.closed or not is_rtcp(data):
            return
        try:
            packets = RtcpPacket.parse(data)
        except ValueError:
            return
        for packet in packets:
            consumer = self.by_ssrc.get(getattr(packet, "media_ssrc", None))
            if consumer is None:
                continue
            if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
                self.router.spawn(consumer.on_feedback("keyframe", []))
            elif isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
                self.router.spawn(consumer.on_feedback("nack", list(packet.lost)))

    async def close(self) -> None:
        self.closed = True
        self.socket.close()


async def pipe_out_open(relay, *, peer_id: str, room: str, address: Any, edge_nonce: str, secret: bytes, host: str,
                        send: Callable[[dict[str, Any]], None], disconnect: Callable[[int, str], None]) -> PipeOut:
    """The origin accepts an edge's pipe: its UDP socket (SRTP keyed from the relay secret and both
    nonces), the hidden participant, the producers so far."""
    remote = _address(address)
    router = relay.router_for(room)
    previous = router.participants.get(peer_id)
    if previous is not None:  # the same edge again (it reconnected): the newest pipe wins
        previous.disconnect(4409, "replaced")
        router.remove_participant(previous, reason="replaced")
        router = relay.router_for(room)
    pipe: PipeOut | None = None
    socket = await PipeSocket.open(host, lambda data: pipe.on_datagram(data) if pipe is not None else None)
    nonce = pipe_nonce()
    socket.connect(remote, PipeSrtp.for_end(secret, origin=True, room=room, edge_peer=peer_id, edge_nonce=edge_nonce,
                                            origin_nonce=nonce))
    pipe = PipeOut(router, peer_id=peer_id, socket=socket, nonce=nonce, send=send, disconnect=disconnect)
    router.add_participant(pipe)
    return pipe


def pipe_out_reply(pipe: PipeOut) -> dict[str, Any]:
    producers = [pipe.pipe_producer(p) for p in list(pipe.router.producers.values()) if not p.closed]
    return {"type": "piped", "address": pipe.socket.address, "nonce": pipe.nonce, "producers": producers}


# ------------------------------------------------------------------ edge end


class RemotePublisher:
    """On an edge: the origin's publisher a piped producer belongs to (not a participant here)."""

    def __init__(self, peer_id: str) -> None:
        self.id = peer_id
        self.producers: dict[str, Producer] = {}

    def touch(self, now: float) -> None:
        pass

    def is_moderator_muted(self, kind: str) -> bool:
        return False  # the origin applies moderation: a muted producer sends nothing down the pipe


class PipedProducer(Producer):
    """An origin producer as seen on an edge: fed by the pipe; keyframe requests and NACKs go back up it."""

    def __init__(self, *, pipe: PipeIn, producer_id: str, ssrc: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.id = producer_id  # the origin's id: clients know one id per producer, wherever they are
        self.media_ssrc = ssrc
        self.pipe = pipe

    def upstream_ready(self) -> bool:
        return not self.pipe.closed

    async def send_pli(self) -> None:
        self.pipe.send_rtcp(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=0, media_ssrc=self.media_ssrc))

    async def send_nack(self, missing: list[int]) -> None:
        self.pipe.send_rtcp(RtcpRtpfbPacket(fmt=RTCP_RTPFB_NACK, ssrc=0, media_ssrc=self.media_ssrc, lost=missing))


class PipeIn:
    """An edge's end of one pipe: the control connection to the origin and the room's piped producers."""

    def __init__(self, router: Router, *, origin_url: str, token: str, peer_id: str, secret: bytes,
                 host: str) -> None:
        self.router = router
        self.origin_url = origin_url
        self.token = token
        self.peer_id = peer_id  # this edge's pipe peer at the origin (the token's)
        self.secret = secret
        self.host = host
        self.by_ssrc: dict[int, PipedProducer] = {}
        self.publishers: dict[str, RemotePublisher] = {}
        self.closed = False
        self.socket: PipeSocket | None = None
        self._ws = None
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(PIPE_QUEUE_PACKETS)
        self._extensions = _extensions_map()
        self._tasks: list[asyncio.Task] = []
        self.dropped = 0

    async def open(self) -> None:
        self.socket = await PipeSocket.open(self.host, self._datagram)
        self._ws = await connect(self.origin_url, additional_headers={"Authorization": f"Bearer {self.token}"},
                                 max_size=None, open_timeout=5)
        nonce = pipe_nonce()
        await self._ws.send(json.dumps({"type": "pipe", "room": self.router.room_id, "address": self.socket.address,
                                        "nonce": nonce}))
        reply = json.loads(await asyncio.wait_for(self._ws.recv(), 5))
        if reply.get("type") != "piped":
            raise ConnectionError(f"the origin refused the pipe: {reply}")
        self.socket.connect(_address(reply["address"]), PipeSrtp.for_end(
            self.secret, origin=False, room=self.router.room_id, edge_peer=self.peer_id, edge_nonce=nonce,
            origin_nonce=reply["nonce"]))
        for description in reply["producers"]:
            self._add(description)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._pump()), loop.create_task(self._control())]

    def _add(self, description: dict[str, Any]) -> None:
        info, codec = description["producer"], description["codec"]
        publisher = self.publishers.setdefault(info["peer_id"], RemotePublisher(info["peer_id"]))
        producer = PipedProducer(
            pipe=self, producer_id=info["producer_id"], ssrc=description["ssrc"], router=self.router, peer=publisher,
            kind=info["kind"], codec=RTCRtpCodecParameters(**codec), rtx_payload_type=None,
        )
        producer.paused_by_owner = info["paused"]  # the origin's pause, whoever set it
        producer._update_forwarding()
        self.by_ssrc[producer.media_ssrc] = producer
        self.router.add_producer(producer)

    def _datagram(self, data: bytes) -> None:
        try:
            self._queue.put_nowait(data)
        except asyncio.QueueFull:
            self.dropped += 1

    async def _pump(self) -> None:
        """RTP from the origin into the piped producers, on the edge's loop (as aiortc's receive loop does)."""
        while True:
            data = await self._queue.get()
            try:
                packet = RtpPacket.parse(data, self._extensions)
            except ValueError:
                continue
            producer = self.by_ssrc.get(packet.ssrc)
            if producer is not None and not producer.closed:
                await producer.on_rtp(packet)

    async def _control(self) -> None:
        try:
            async for text in self._ws:
                self._apply(json.loads(text))
        except (ConnectionClosed, WebSocketException, ValueError):
            pass
        if not self.closed:
            logger.warning("room %s: the pipe from %s closed", self.router.room_id, self.origin_url)
            self._close_producers(reason="pipe_closed")

    def _apply(self, message: dict[str, Any]) -> None:
        if message.get("type") == "pipe.producer":
            self._add(message)
            return
        if message.get("type") != "media_relay.producer":
            return
        producer = self.router.producers.get(message["producer_id"])
        if not isinstance(producer, PipedProducer):
            return
        if message["op"] == "closed":
            self.by_ssrc.pop(producer.media_ssrc, None)
            self.router.close_producer(producer, reason=message["reason"])
        elif message["op"] == "paused":
            self.router.set_producer_paused(producer, paused=True, by=message["by"])
        elif message["op"] == "resumed":  # the origin's producer forwards again: clear whichever flag held it
            producer.paused_by_owner = producer.paused_by_owner and not producer.paused_by_moderator
            by = "moderator" if producer.paused_by_moderator else "owner"
            self.router.set_producer_paused(producer, paused=False, by=by)

    def send_rtcp(self, packet) -> None:
        if self.socket is not None:
            self.socket.write(bytes(packet))

    def _close_producers(self, *, reason: str) -> None:
        for producer in list(self.by_ssrc.values()):
            self.router.close_producer(producer, reason=reason)
        self.by_ssrc.clear()

    async def close(self) -> None:
        self.closed = True
        self._close_producers(reason="pipe_closed")
        for task in self._tasks:
            task.cancel()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.socket is not None:
            self.socket.close()


# ------------------------------------------------------------------ a worker's edge rooms


OriginLookup = Callable[[str], "tuple[str, str] | None"]  # room -> (origin worker id, its pipe URL), or None


class Cascade:
    """One worker's part in cascading: each room it opens while the room's origin is another live
    worker (``origin_of``, the registry; called in a thread) becomes an edge room fed by a pipe."""

    def __init__(self, relay, *, worker_id: str, secret: bytes, origin_of: OriginLookup, host: str) -> None:
        self.relay = relay
        self.worker_id = worker_id
        self.secret = secret
        self.origin_of = origin_of
        self.host = host
        self.pipes: dict[str, PipeIn] = {}  # edge rooms
        self._tasks: set[asyncio.Task] = set()

    @property
    def pipes_out(self) -> int:
        return sum(1 for router in self.relay.rooms.values() for p in router.participants.values()
                   if isinstance(p, PipeOut))

    def room_opened(self, router: Router) -> None:
        task = asyncio.get_running_loop().create_task(self._open(router))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _open(self, router: Router) -> None:
        origin = await asyncio.to_thread(self.origin_of, router.room_id)
        if origin is None or origin[0] == self.worker_id or self.relay.rooms.get(router.room_id) is not router:
            return
        if any(isinstance(p, PipeOut) for p in router.participants.values()):
            return  # this worker feeds other edges: it is the room's origin, whatever the registry says
        peer_id = pipe_peer_id(self.worker_id)
        token = issue_token(secret=self.secret, room=router.room_id, peer=peer_id, name="pipe",
                            perms=[Action.PIPE], ttl=PIPE_TOKEN_TTL)
        pipe = self.pipes[router.room_id] = PipeIn(router, origin_url=origin[1], token=token, peer_id=peer_id,
                                                   secret=self.secret, host=self.host)
        try:
            await pipe.open()
        except (OSError, TimeoutError, ConnectionError, WebSocketException, ValueError, KeyError):
            logger.warning("room %s: could not open a pipe from %s", router.room_id, origin[1], exc_info=True)
            if self.pipes.get(router.room_id) is pipe:
                del self.pipes[router.room_id]
            await pipe.close()
            return
        if pipe.closed or self.relay.rooms.get(router.room_id) is not router:
            await pipe.close()  # the room emptied while the pipe was opening
        else:
            logger.info("room %s: edge of %s (%d producers)", router.room_id, origin[0], len(pipe.by_ssrc))

    def room_closed(self, room: str) -> None:
        pipe = self.pipes.pop(room, None)
        if pipe is not None:
            pipe.closed = True
            task = asyncio.get_running_loop().create_task(pipe.close())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for room in list(self.pipes):
            self.room_closed(room)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
