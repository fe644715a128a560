"""The one module that touches aiortc's (and aioice's) private names.

aiortc has no public API to receive RTP without decoding it, nor to send RTP without
encoding it. The relay needs both, so it reaches into aiortc here and nowhere else;
tests/media_relay/test_hooks.py fails loudly when any of these names moves. aiortc
and aioice are pinned in requirements.txt for that reason: bump them together with a
run of that test module.

Private names used, and why:

receiving (publisher -> relay)
  ``RTCRtpReceiver._handle_rtp_packet(packet, arrival_time_ms)``
      replaced on the receiver *instance*: the DTLS transport hands every parsed RTP
      packet to it; our replacement gives the packet to the router instead of aiortc's
      jitter buffer and decoder thread, so nothing is depayloaded or decoded.
  ``RTCRtpReceiver._handle_rtcp_packet(packet)``
      wrapped on the instance to see the publisher's SR and BYE (liveness, end of stream).
  ``RTCRtpReceiver._RTCRtpReceiver__remote_streams`` (+ ``rtcrtpreceiver.StreamStatistics``)
      fed with the packets we intercept, so aiortc's own RTCP receiver reports to the
      publisher (loss, jitter, DLSR for its RTT) keep working.
  ``RTCRtpReceiver._send_rtcp_pli / _send_rtcp_nack``
      to send keyframe requests and NACKs to the publisher with the receiver's RTCP SSRC.

sending (relay -> subscriber)
  ``RTCDtlsTransport._send_rtp(data)``
      SRTP-protects and sends one RTP/RTCP packet on the subscriber's transport: the
      relay writes fully formed, rewritten RTP packets here, bypassing the encoder.
  ``RTCDtlsTransport._tx_srtp / ._state``, ``RTCIceTransport._connection``,
  ``aioice.Connection._nominated`` (``CandidatePair.protocol.transport / .remote_addr``)
      the fast path of the same send (``RtpSink.write``): protect + ``sendto`` without
      four coroutine frames per packet; about a fifth of the relay's CPU per packet.
  ``RTCRtpSender._ssrc / _rtx_ssrc``
      the SSRCs aiortc announced in the SDP offer for this consumer; we send with them.
  ``RTCRtpSender._handle_rtcp_packet(packet)``
      replaced on the instance: PLI/FIR and NACK from the subscriber go to the router
      (aiortc would only flag its unused encoder), receiver reports go on to aiortc.
  ``RTCRtpSender._RTCRtpSender__{packet_count,octet_count,rtp_timestamp,ntp_timestamp}``
      set from our counters so the sender reports aiortc emits (SR) describe the
      packets we actually sent (subscribers use SR for lip sync and RTT).
  ``RTCRtpTransceiver._codecs / _headerExtensions``
      the negotiated payload types and header-extension ids of a transceiver.

ICE (aioice)
  ``aioice.ice.get_host_addresses``
      replaced to announce only the configured addresses as host candidates (the
      relay's public address in production; 127.0.0.1 in tests, which aioice would
      otherwise leave out).
  ``aioice.turn.UDP_SOCKET_BUFFER_SIZE``
      the SO_RCVBUF aioice sets on every ICE socket it opens, raised by ``enlarge_socket_buffers``.

The sender's own RTP loop is parked with a public mechanism: a track whose ``recv()``
never returns (``ParkedTrack``), so aiortc never asks for a frame to encode.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable

import aioice.ice
import aioice.turn
import aiortc
import aiortc.rtcrtpreceiver as _rtcrtpreceiver
from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from aiortc.clock import current_ntp_time
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as _DtlsState
from aiortc.rtp import (
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    RtcpByePacket,
    RtcpPsfbPacket,
    RtcpRtpfbPacket,
    RtpPacket,
)

logger = logging.getLogger(__name__)

TESTED_AIORTC_VERSION = "1.16.0"

_RECEIVER_STREAMS = "_RTCRtpReceiver__remote_streams"
_SENDER_COUNTERS = (
    "_RTCRtpSender__packet_count",
    "_RTCRtpSender__octet_count",
    "_RTCRtpSender__rtp_timestamp",
    "_RTCRtpSender__ntp_timestamp",
)

RtpHandler = Callable[[RtpPacket, int], Awaitable[None]]
FeedbackHandler = Callable[[str, list[int]], Awaitable[None]]


class HookError(RuntimeError):
    """aiortc's internals are not what this module was written against."""


def _require_method(cls: type, name: str, params: tuple[str, ...]) -> None:
    method = getattr(cls, name, None)
    if method is None or not callable(method):
        raise HookError(f"{cls.__name__}.{name} is gone (aiortc {aiortc.__version__})")
    got = tuple(inspect.signature(method).parameters)[1:]
    if got != params:
        raise HookError(f"{cls.__name__}.{name}{got} changed, expected {params}")


def check_compatibility() -> None:
    """Raise HookError if a private name this module relies on changed shape.

    Called when the relay starts. Instance attributes (mangled counters, SSRCs) are
    checked on live objects by ``check_live_objects`` / the tests.
    """
    _require_method(RTCRtpReceiver, "_handle_rtp_packet", ("packet", "arrival_time_ms"))
    _require_method(RTCRtpReceiver, "_handle_rtcp_packet", ("packet",))
    _require_method(RTCRtpReceiver, "_send_rtcp_pli", ("media_ssrc",))
    _require_method(RTCRtpReceiver, "_send_rtcp_nack", ("media_ssrc", "lost"))
    _require_method(RTCRtpSender, "_handle_rtcp_packet", ("packet",))
    _require_method(RTCDtlsTransport, "_send_rtp", ("data",))
    if not hasattr(_rtcrtpreceiver, "StreamStatistics"):
        raise HookError("aiortc.rtcrtpreceiver.StreamStatistics is gone")
    if not callable(getattr(aioice.ice, "get_host_addresses", None)):
        raise HookError("aioice.ice.get_host_addresses is gone")
    if not isinstance(getattr(aioice.turn, "UDP_SOCKET_BUFFER_SIZE", None), int):
        raise HookError("aioice.turn.UDP_SOCKET_BUFFER_SIZE is gone")
    if aiortc.__version__ != TESTED_AIORTC_VERSION:
        logger.warning(
            "media_relay.sfu.hooks was written against aiortc %s, running %s: run tests/media_relay/test_hooks.py",
            TESTED_AIORTC_VERSION,
            aiortc.__version__,
        )


def check_live_objects(transceiver: RTCRtpTransceiver) -> None:
    """Raise HookError if a live transceiver lacks the private attributes we use."""
    sender, receiver = transceiver.sender, transceiver.receiver
    for name in ("_ssrc", "_rtx_ssrc"):
        if not isinstance(getattr(sender, name, None), int):
            raise HookError(f"RTCRtpSender.{name} is gone")
    for name in _SENDER_COUNTERS:
        if name not in vars(sender):
            raise HookError(f"RTCRtpSender counter {name} is gone")
    if not isinstance(vars(receiver).get(_RECEIVER_STREAMS), dict):
        raise HookError(f"RTCRtpReceiver {_RECEIVER_STREAMS} is gone")
    for name in ("_codecs", "_headerExtensions"):
        if not isinstance(getattr(transceiver, name, None), list):
            raise HookError(f"RTCRtpTransceiver.{name} is gone")


# --------------------------------------------------------------------------- receiving


def intercept_rtp(receiver: RTCRtpReceiver, on_packet: RtpHandler, *, passthrough: bool = False) -> Callable[[], None]:
    """Give every RTP packet the receiver gets to ``on_packet(packet, arrival_time_ms)``.

    Without ``passthrough`` aiortc's jitter buffer and decoder never see a packet (the
    relay). With it, aiortc handles the packet afterwards as usual (test clients that
    count packets and still decode). Returns a function that undoes the interception.
    """
    original = receiver._handle_rtp_packet

    if passthrough:

        async def handle(packet: RtpPacket, arrival_time_ms: int) -> None:
            await on_packet(packet, arrival_time_ms)
            await original(packet, arrival_time_ms)

    else:
        handle = on_packet

    receiver._handle_rtp_packet = handle  # instance attribute shadows the method

    def undo() -> None:
        receiver.__dict__.pop("_handle_rtp_packet", None)

    return undo


def receiver_stats_feeder(receiver: RTCRtpReceiver, clock_rate: int) -> Callable[[RtpPacket], None]:
    """A function to call with each intercepted media packet so aiortc's receiver
    reports (RTCP RR) to the publisher stay truthful."""
    streams = vars(receiver).get(_RECEIVER_STREAMS)
    if not isinstance(streams, dict):
        raise HookError(f"RTCRtpReceiver {_RECEIVER_STREAMS} is gone")
    statistics_cls = _rtcrtpreceiver.StreamStatistics

    def feed(packet: RtpPacket) -> None:
        stats = streams.get(packet.ssrc)
        if stats is None:
            stats = streams[packet.ssrc] = statistics_cls(clock_rate)
        stats.add(packet)

    return feed


def observe_receiver_rtcp(receiver: RTCRtpReceiver, on_rtcp: Callable[[object], None]) -> None:
    """Call ``on_rtcp(packet)`` for each RTCP packet routed to this receiver (the
    publisher's SR, BYE), then let aiortc handle it."""
    original = receiver._handle_rtcp_packet

    async def handle(packet) -> None:
        on_rtcp(packet)
        await original(packet)

    receiver._handle_rtcp_packet = handle


def is_bye(packet: object) -> bool:
    return isinstance(packet, RtcpByePacket)


async def send_pli(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Ask the publisher for a keyframe (RTCP PLI)."""
    await receiver._send_rtcp_pli(media_ssrc)


async def send_nack(receiver: RTCRtpReceiver, media_ssrc: int, lost: list[int]) -> None:
    """Ask the publisher to retransmit ``lost`` sequence numbers (RTCP generic NACK)."""
    await receiver._send_rtcp_nack(media_ssrc, lost)


# --------------------------------------------------------------------------- sending


class ParkedTrack(MediaStreamTrack):
    """A track that never yields a frame: it parks the RTCRtpSender's RTP loop, so
    aiortc never encodes, while the relay writes packets itself (RtpSink)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._stopped = asyncio.Event()

    async def recv(self):
        await self._stopped.wait()
        raise MediaStreamError

    def stop(self) -> None:
        super().stop()
        self._stopped.set()


class RtpSink:
    """Writes fully formed RTP packets on a sender's transport, as that sender.

    ``ssrc`` / ``rtx_ssrc`` are the SSRCs aiortc announced for the sender in the SDP.

    Two ways to send:

    * ``await send(data)``: the transport's own ``_send_rtp`` coroutine (state check,
      SRTP protect, then aioice's send chain); raises ConnectionError when not connected;
    * ``write(data)``: the same work without the coroutine chain, for the hot path,
      once ``prepare_fast()`` succeeded on a connected transport: SRTP protect with the
      transport's ``_tx_srtp`` session and ``sendto`` on the UDP transport of aioice's
      nominated candidate pair (``Connection._nominated[1]``; aioice never re-nominates
      and aiortc has no ICE restart, so the pair is fixed for the connection's life).
      Packets are dropped silently once the DTLS transport leaves "connected" or the
      UDP socket is closing.
      ``write`` is None until prepared; callers fall back to ``send``.

    Bind again after negotiation: bundling may move a sender to another transport.
    """

    __slots__ = ("sender", "ssrc", "rtx_ssrc", "transport", "send", "write")

    def __init__(self, sender: RTCRtpSender) -> None:
        self.sender = sender
        self.ssrc: int = sender._ssrc
        self.rtx_ssrc: int = sender._rtx_ssrc
        self.bind()

    def bind(self) -> None:
        self.transport: RTCDtlsTransport = self.sender.transport
        self.send: Callable[[bytes], Awaitable[None]] = self.transport._send_rtp
        self.write: Callable[[bytes], None] | None = None

    @property
    def is_connected(self) -> bool:
        return self.transport.state == "connected"

    def prepare_fast(self) -> bool:
        """Set up ``write``; False (and ``write`` None) if the transport is not ready."""
        dtls = self.transport
        try:
            protect = dtls._tx_srtp.protect
            pair = dtls.transport._connection._nominated.get(1)
            sendto = pair.protocol.transport.sendto
            addr = pair.remote_addr
            connected = _DtlsState.CONNECTED
        except AttributeError:
            self.write = None
            return False
        if dtls._state is not connected:
            self.write = None
            return False

        udp = pair.protocol.transport
        is_closing = udp.is_closing

        def write(data: bytes) -> None:
            # aioice may close the socket (consent expiry) before DTLS notices: check both
            if dtls._state is connected and not is_closing():
                sendto(protect(data), addr)

        self.write = write
        return True


def intercept_sender_rtcp(
    sender: RTCRtpSender, on_feedback: FeedbackHandler, *, passthrough: bool = False
) -> Callable[[], None]:
    """Route the subscriber's feedback for this sender to ``on_feedback(kind, lost)``:

    ``("keyframe", [])`` for PLI or FIR, ``("nack", [seq, ...])`` for generic NACK,
    ``("report", [])`` for anything else (receiver reports, REMB), which aiortc still
    handles (RTT, stats). With ``passthrough`` aiortc handles every packet too (test
    clients observing the feedback their publisher gets).
    """
    original = sender._handle_rtcp_packet

    async def handle(packet) -> None:
        if isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
            await on_feedback("nack", list(packet.lost))
            if passthrough:
                await original(packet)
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            await on_feedback("keyframe", [])
            if passthrough:
                await original(packet)
        else:
            await on_feedback("report", [])
            await original(packet)

    sender._handle_rtcp_packet = handle

    def undo() -> None:
        sender.__dict__.pop("_handle_rtcp_packet", None)

    return undo


def update_sender_report(
    sender: RTCRtpSender, *, packets: int, octets: int, rtp_timestamp: int, ntp_timestamp: int
) -> None:
    """Make aiortc's next RTCP sender report describe what the relay sent."""
    state = vars(sender)
    if _SENDER_COUNTERS[0] not in state:
        raise HookError("RTCRtpSender report counters are gone")
    state[_SENDER_COUNTERS[0]] = packets
    state[_SENDER_COUNTERS[1]] = octets
    state[_SENDER_COUNTERS[2]] = rtp_timestamp
    state[_SENDER_COUNTERS[3]] = ntp_timestamp


def ntp_now() -> int:
    return current_ntp_time()


# --------------------------------------------------------------------------- negotiation


def negotiated_codecs(transceiver: RTCRtpTransceiver) -> list:
    """The codecs (RTCRtpCodecParameters, with payload types) negotiated for a transceiver."""
    return list(transceiver._codecs)


def negotiated_header_extensions(transceiver: RTCRtpTransceiver) -> dict[str, int]:
    """Negotiated header extensions of a transceiver: {uri: id}."""
    return {ext.uri: ext.id for ext in transceiver._headerExtensions}


# --------------------------------------------------------------------------- ICE


_original_get_host_addresses = aioice.ice.get_host_addresses


def restrict_host_addresses(addresses: Iterable[str]) -> Callable[[], None]:
    """Announce only ``addresses`` as ICE host candidates (process-wide).

    aioice otherwise announces every interface address except 127.0.0.1. Production
    relays give their public address(es); tests give 127.0.0.1. Returns an undo.
    """
    chosen = list(addresses)

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = get_host_addresses

    def undo() -> None:
        aioice.ice.get_host_addresses = _original_get_host_addresses

    return undo



def enlarge_socket_buffers(size: int) -> Callable[[], None]:
    """The kernel receive buffer aioice asks for on each ICE socket opened from now on (process-wide; its
    own is 256 KiB; Linux caps the request at net.core.rmem_max). With 256 KiB a relay that missed its turn
    on a busy machine lost datagrams: a 40-viewer 720p fan-out dropped 5,000/s (bench/README.md, "Video
    viewers per relay core"). Returns an undo."""
    before, aioice.turn.UDP_SOCKET_BUFFER_SIZE = aioice.turn.UDP_SOCKET_BUFFER_SIZE, size

    def undo() -> None:
        aioice.turn.UDP_SOCKET_BUFFER_SIZE = before

    return undo
