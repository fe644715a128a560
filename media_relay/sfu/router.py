"""One room of the relay: producers, consumers and the forwarding hot path.

A Router owns the participants of one room, their Producers (a publisher's incoming
audio or video stream) and Consumers (one producer forwarded to one subscriber).
RTP arrives in ``Producer.on_rtp`` (installed by media_relay.sfu.hooks in place of aiortc's
decoder path) and leaves as rewritten RTP through each active consumer's ``RtpSink``:
no depayloading, no decoding, no encoding. Everything runs on the worker's event loop,
so a flag set by mute/kick/close is seen by the very next packet: forwarding stops at
once, with no packet of that producer in flight inside the relay.

The WebRTC side (peer connections, SDP) lives in media_relay.sfu.participants; this module
only sees receivers, senders and transceivers through media_relay.sfu.hooks, and takes a
duck-typed participant (id, send(), touch(), producers, consumers), so it can be tested
with fakes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import events
from . import hooks
from .conf import RelayConfig
from .history import LossTracker, PacketHistory
from .rtp import (
    RTP_HEADER,
    ConsumerHeaderWriter,
    RtpRewriter,
    abs_send_time,
    estimate_level_from_size,
    is_keyframe_start,
    rtx_payload,
    unwrap_rtx_payload,
)
from .speakers import ActiveSpeakerDetector

if TYPE_CHECKING:
    from .participants import Participant

logger = logging.getLogger(__name__)

AUDIO_CODECS = {"opus"}
VIDEO_CODECS = {"vp8", "h264"}

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}-{secrets.token_hex(3)}"


class Producer:
    """A publisher's incoming stream (one m-line of its publish connection)."""

    def __init__(
        self,
        *,
        router: Router,
        peer: Participant,
        kind: str,
        codec,  # RTCRtpCodecParameters negotiated with the publisher
        rtx_payload_type: int | None,
        receiver=None,  # aiortc RTCRtpReceiver (None in unit tests)
        mid: str | None = None,
    ) -> None:
        self.id = new_id("p")
        self.router = router
        self.peer = peer
        self.kind = kind
        self.codec = codec
        self.codec_name = codec.name.upper() if kind == "video" else codec.name.lower()
        self.clock_rate = codec.clockRate
        self.payload_type = codec.payloadType
        self.rtx_payload_type = rtx_payload_type
        self.receiver = receiver
        self.mid = mid
        self.consumers: list[Consumer] = []
        self.targets: tuple[Consumer, ...] = ()  # active consumers: what the hot path iterates
        self.paused_by_owner = False
        self.paused_by_moderator = False
        self.closed = False
        self.forwarding = True
        self.media_ssrc: int | None = None
        self.last_packet = 0.0
        self.packets_in = 0
        self.bytes_in = 0
        self.last_keyframe_request = -1e9
        self.keyframe_pending = False  # asked for before the stream's first packet (its SSRC) arrived
        self.history = (
            PacketHistory(router.config.video_history_packets, router.config.video_history_seconds, router.clock)
            if kind == "video"
            else None
        )
        self.loss = LossTracker() if kind == "video" else None
        self._feed_stats: Callable[[Any], None] | None = None
        self._clock = router.clock

    # ---------------------------------------------------------------- state

    def describe(self) -> dict[str, Any]:
        return {
            "producer_id": self.id,
            "peer_id": self.peer.id,
            "kind": self.kind,
            "codec": self.codec.mimeType,
            "paused": self.paused,
        }

    @property
    def paused(self) -> bool:
        return self.paused_by_owner or self.paused_by_moderator

    def _update_forwarding(self) -> None:
        self.forwarding = not (self.closed or self.paused)

    def refresh_targets(self) -> None:
        self.targets = tuple(c for c in self.consumers if c.active and not c.closed)

    def attach(self, receiver) -> None:
        """Take over the aiortc receiver: its packets come here, never to a decoder."""
        self.receiver = receiver
        self._feed_stats = hooks.receiver_stats_feeder(receiver, self.clock_rate)
        hooks.intercept_rtp(receiver, self.on_rtp)
        hooks.observe_receiver_rtcp(receiver, self._on_rtcp)

    # ---------------------------------------------------------------- hot path

    async def on_rtp(self, packet, arrival_time_ms: int = 0) -> None:
        now = self._clock()
        self.last_packet = now
        self.peer.touch(now)
        payload = packet.payload
        pt = packet.payload_type
        if pt == self.payload_type:
            seq = packet.sequence_number
            if self.media_ssrc is None:
                self.media_ssrc = packet.ssrc
                if self.keyframe_pending:
                    self.router.spawn(self.request_keyframe())
            elif packet.ssrc != self.media_ssrc:
                return  # one stream per producer (no simulcast): ignore strays
            if self._feed_stats is not None:
                self._feed_stats(packet)
            is_rtx = False
        elif pt == self.rtx_payload_type and pt is not None:
            try:
                seq, payload = unwrap_rtx_payload(payload)
            except ValueError:
                return
            is_rtx = True
        else:
            return  # unknown payload type: drop (malformed RTP never reaches consumers)
        self.packets_in += 1
        self.bytes_in += len(payload)
        ts = packet.timestamp
        marker = packet.marker

        if self.kind == "audio":
            level = packet.extensions.audio_level
            if level is not None:
                vad, dbov = level
                level_byte = (0x80 if vad else 0) | (dbov & 0x7F)
                level_value = dbov & 0x7F
            else:
                level_byte = None
                level_value = estimate_level_from_size(len(payload))
            if not self.forwarding:
                return
            self.router.speakers.observe(self.id, level_value, now)
            for consumer in self.targets:
                data = consumer.audio_packet(seq, ts, marker, payload, level_byte, now)
                if data is not None:
                    try:
                        write = consumer.sink.write
                        if write is not None:
                            write(data)  # synchronous: no coroutine per consumer
                        else:
                            await consumer.sink.send(data)
                    except ConnectionError:
                        consumer.send_errors += 1
                    except Exception as exc:  # noqa: BLE001 - one subscriber's broken transport must
                        # never propagate into this publisher's receive loop (it would close it)
                        self._send_failed(consumer, exc)
            return

        # video: keep history for NACKs, NACK our own losses upstream
        self.history.add(seq, ts, marker, payload, now)
        if not is_rtx:
            missing = self.loss.add(seq)
            if missing and self.upstream_ready():
                await self.send_nack(missing)
        else:
            self.loss.add(seq)
        if not self.forwarding:
            return
        keyframe = is_keyframe_start(self.codec_name, payload)
        send_time = abs_send_time()
        for consumer in self.targets:
            data = consumer.video_packet(seq, ts, marker, payload, keyframe, send_time, now)
            if data is not None:
                try:
                    write = consumer.sink.write
                    if write is not None:
                        write(data)
                    else:
                        await consumer.sink.send(data)
                except ConnectionError:
                    consumer.send_errors += 1
                except Exception as exc:  # noqa: BLE001 - see the audio loop
                    self._send_failed(consumer, exc)

    def _send_failed(self, consumer: Consumer, exc: Exception) -> None:
        logger.warning("consumer %s of peer %s: send failed (%r), closing it", consumer.id, consumer.peer.id, exc)
        self.router.close_consumer(consumer, reason="transport_error")

    def _on_rtcp(self, packet) -> None:
        self.peer.touch(self._clock())
        if hooks.is_bye(packet) and not self.closed:
            # the publisher stopped this stream (its sender was stopped or closed)
            self.router.close_producer(self, reason="bye")

    async def request_keyframe(self) -> bool:
        """Ask the publisher for a keyframe (PLI), at most once per keyframe_request_interval. Before
        the stream's first packet there is no SSRC to address: it is asked for when that arrives."""
        if not self.upstream_ready():
            self.keyframe_pending = True
            return False
        now = self._clock()
        if now - self.last_keyframe_request < self.router.config.keyframe_request_interval:
            return False
        self.last_keyframe_request, self.keyframe_pending = now, False
        await self.send_pli()
        return True

    # upstream feedback: to the publisher through aiortc's receiver (a piped producer sends it up its pipe)

    def upstream_ready(self) -> bool:
        return self.receiver is not None and self.media_ssrc is not None

    async def send_pli(self) -> None:
        await hooks.send_pli(self.receiver, self.media_ssrc)

    async def send_nack(self, missing: list[int]) -> None:
        await hooks.send_nack(self.receiver, self.media_ssrc, missing)


class Consumer:
    """One producer forwarded to one subscriber, with its own SSRC, numbering and clock."""

    def __init__(self, *, router: Router, peer: Participant, producer: Producer, transceiver=None, sink=None) -> None:
        self.id = new_id("c")
        self.router = router
        self.peer = peer
        self.producer = producer
        self.kind = producer.kind
        self.transceiver = transceiver
        self.sink = sink  # hooks.RtpSink (or a fake in unit tests)
        self.payload_type = 0
        self.rtx_payload_type: int | None = None
        self.ssrc = 0
        self.rtx_ssrc = 0
        self.rtx_seq = secrets.randbelow(1 << 15)
        self.writer: ConsumerHeaderWriter | None = None
        self.rewriter = RtpRewriter(
            clock_rate=producer.clock_rate,
            initial_seq=secrets.randbelow(1 << 15),
            initial_ts=secrets.randbits(32),
            clock=router.clock,
        )
        self.configured = False
        self.active = False
        self.closed = False
        self.waiting_keyframe = producer.kind == "video"
        self.packets_out = 0
        self.octets_out = 0
        self.send_errors = 0
        self.retransmits = 0

    def describe(self) -> dict[str, Any]:
        return {
            "consumer_id": self.id,
            "producer_id": self.producer.id,
            "peer_id": self.producer.peer.id,
            "kind": self.kind,
            "mid": self.transceiver.mid if self.transceiver is not None else None,
        }

    def configure(
        self,
        *,
        payload_type: int,
        rtx_payload_type: int | None,
        ssrc: int,
        rtx_ssrc: int,
        header_extension_ids: dict[str, int],
        mid: str | None,
    ) -> None:
        self.payload_type = payload_type
        self.rtx_payload_type = rtx_payload_type
        self.ssrc = ssrc
        self.rtx_ssrc = rtx_ssrc
        self.writer = ConsumerHeaderWriter(ids_by_uri=header_extension_ids, mid=mid)
        self.configured = True

    # ---------------------------------------------------------------- hot path

    def audio_packet(
        self, seq: int, ts: int, marker: int, payload: bytes, level_byte: int | None, now: float
    ) -> bytes | None:
        out = self.rewriter.rewrite(seq, ts, now)
        if out is None:
            return None
        ext = self.writer.audio(level_byte)
        self.packets_out += 1
        self.octets_out += len(payload)
        return (
            RTP_HEADER.pack(0x90 if ext else 0x80, (marker << 7) | self.payload_type, out[0], out[1], self.ssrc)
            + ext
            + payload
        )

    def video_packet(
        self, seq: int, ts: int, marker: int, payload: bytes, keyframe: bool, send_time: int, now: float
    ) -> bytes | None:
        if self.waiting_keyframe:
            if not keyframe:
                return None
            self.waiting_keyframe = False
            self.rewriter.resync()  # start the consumer's numbering at the keyframe
        out = self.rewriter.rewrite(seq, ts, now)
        if out is None:
            return None
        ext = self.writer.video(send_time)
        self.packets_out += 1
        self.octets_out += len(payload)
        return (
            RTP_HEADER.pack(0x90 if ext else 0x80, (marker << 7) | self.payload_type, out[0], out[1], self.ssrc)
            + ext
            + payload
        )

    # ---------------------------------------------------------------- feedback

    async def on_feedback(self, kind: str, lost: list[int]) -> None:
        """RTCP from the subscriber about this consumer (installed by hooks)."""
        self.peer.touch(self.router.clock())
        if self.closed:
            return
        if kind == "keyframe":
            await self.producer.request_keyframe()
        elif kind == "nack":
            await self.retransmit(lost)

    def retransmission(self, out_seq: int) -> bytes | None:
        """The packet to send for a NACKed consumer sequence number (RTX if negotiated)."""
        history = self.producer.history
        if history is None or self.writer is None:
            return None
        seq = self.rewriter.reverse(out_seq)
        if seq is None:
            return None
        entry = history.get(seq)
        if entry is None:
            return None
        out_ts = (entry.ts + self.rewriter.ts_offset) & 0xFFFFFFFF
        ext = self.writer.video(abs_send_time())
        if self.rtx_payload_type is not None and self.rtx_ssrc:
            self.rtx_seq = (self.rtx_seq + 1) & 0xFFFF
            header = RTP_HEADER.pack(
                0x90 if ext else 0x80, (entry.marker << 7) | self.rtx_payload_type, self.rtx_seq, out_ts, self.rtx_ssrc
            )
            return header + ext + rtx_payload(out_seq, entry.payload)
        header = RTP_HEADER.pack(
            0x90 if ext else 0x80, (entry.marker << 7) | self.payload_type, out_seq, out_ts, self.ssrc
        )
        return header + ext + entry.payload

    async def retransmit(self, lost: list[int]) -> int:
        sent = 0
        for out_seq in lost[:64]:
            data = self.retransmission(out_seq)
            if data is None:
                continue
            try:
                await self.sink.send(data)
            except ConnectionError:
                break
            except Exception as exc:  # noqa: BLE001 - this runs in the subscriber's RTCP path: keep it alive
                self.producer._send_failed(self, exc)
                break
            sent += 1
        self.retransmits += sent
        return sent

    def sender_report_state(self, now: float) -> tuple[int, int, int]:
        """(packets, octets, rtp timestamp at ``now``) for the RTCP sender report."""
        r = self.rewriter
        ts = (r.last_ts + int(max(0.0, now - r.last_time) * r.clock_rate)) & 0xFFFFFFFF if r.started else r.last_ts
        return self.packets_out & 0xFFFFFFFF, self.octets_out & 0xFFFFFFFF, ts


class Router:
    """One room."""

    def __init__(
        self,
        room_id: str,
        *,
        config: RelayConfig | None = None,
        clock=time.monotonic,
        on_empty: Callable[[Router], None] | None = None,
    ) -> None:
        self.room_id = room_id
        self.config = config or RelayConfig()
        self.clock = clock
        self.participants: dict[str, Participant] = {}
        self.producers: dict[str, Producer] = {}
        self.speakers = ActiveSpeakerDetector(interval=self.config.speaker_interval, clock=clock)
        self.closed = False
        self._on_empty = on_empty
        self._task: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._housekeeping(), name=f"router-{self.room_id}")

    async def close(self) -> None:
        self.closed = True
        for participant in list(self.participants.values()):
            self.remove_participant(participant, reason="room_closed")
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def spawn(self, coro) -> asyncio.Task:
        """Run a coroutine in the background, keeping a reference until it ends."""
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    # ---------------------------------------------------------------- messaging

    def broadcast(self, message: dict[str, Any], *, exclude: str | None = None) -> None:
        for participant in list(self.participants.values()):
            if participant.id != exclude:
                participant.send(message)

    def snapshot(self) -> dict[str, Any]:
        return {
            "peers": [{"peer_id": p.id, "name": p.name} for p in self.participants.values() if not p.hidden],
            "producers": [p.describe() for p in self.producers.values() if not p.closed],
        }

    # ---------------------------------------------------------------- participants

    def add_participant(self, participant: Participant) -> None:
        self.participants[participant.id] = participant
        if not participant.hidden:  # hidden: a cascading pipe (media_relay.sfu.cascade), never announced
            self.broadcast(events.peer_joined(peer_id=participant.id, name=participant.name), exclude=participant.id)

    def remove_participant(self, participant: Participant, *, reason: str) -> None:
        """Stop everything the participant sends or receives now; close its connections
        in the background. Idempotent."""
        if self.participants.get(participant.id) is not participant:
            return
        for producer in list(participant.producers.values()):
            self.close_producer(producer, reason=reason)
        for consumer in list(participant.consumers.values()):
            self.close_consumer(consumer, reason=reason, notify=False)
        del self.participants[participant.id]
        if not participant.hidden:
            self.broadcast(events.peer_left(peer_id=participant.id, reason=reason))
        self.spawn(participant.close())
        if not self.participants and self._on_empty is not None:
            self._on_empty(self)

    # ---------------------------------------------------------------- producers

    def add_producer(self, producer: Producer) -> Producer:
        self.producers[producer.id] = producer
        producer.peer.producers[producer.id] = producer
        if producer.peer.is_moderator_muted(producer.kind):
            producer.paused_by_moderator = True
            producer._update_forwarding()
        self.broadcast(events.producer_added(producer=producer.describe()), exclude=producer.peer.id)
        return producer

    def close_producer(self, producer: Producer, *, reason: str) -> None:
        if producer.closed:
            return
        producer.closed = True
        producer._update_forwarding()
        producer.targets = ()
        for consumer in list(producer.consumers):
            self.close_consumer(consumer, reason="producer_closed")
        self.producers.pop(producer.id, None)
        producer.peer.producers.pop(producer.id, None)
        if self.speakers.remove(producer.id):
            self._broadcast_speakers()
        self.broadcast(events.producer_closed(producer_id=producer.id, peer_id=producer.peer.id, reason=reason))

    def set_producer_paused(self, producer: Producer, *, paused: bool, by: str) -> bool:
        """Pause (mute) or resume a producer; ``by`` is "owner" or "moderator". Returns
        True if forwarding changed. Takes effect for the very next packet."""
        was_paused = producer.paused
        if by == "moderator":
            producer.paused_by_moderator = paused
        else:
            producer.paused_by_owner = paused
        producer._update_forwarding()
        if producer.paused == was_paused:
            return False
        if producer.paused:
            if self.speakers.silence(producer.id):
                self._broadcast_speakers()
        else:
            for consumer in producer.consumers:
                consumer.rewriter.resync()  # continue numbering without a gap
                if consumer.kind == "video":
                    consumer.waiting_keyframe = True
            if producer.kind == "video":
                self.spawn(producer.request_keyframe())
        self.broadcast(
            events.producer_paused(
                producer_id=producer.id, peer_id=producer.peer.id, kind=producer.kind, paused=producer.paused, by=by
            )
        )
        return True

    # ---------------------------------------------------------------- consumers

    def add_consumer(self, consumer: Consumer) -> Consumer:
        consumer.producer.consumers.append(consumer)
        consumer.peer.consumers[consumer.id] = consumer
        return consumer

    def activate_consumer(self, consumer: Consumer) -> None:
        """Start forwarding to a configured consumer whose transport is connected."""
        if consumer.closed or consumer.active or not consumer.configured:
            return
        prepare_fast = getattr(consumer.sink, "prepare_fast", None)
        if prepare_fast is not None:
            prepare_fast()  # falls back to the coroutine send if the transport is not ready
        consumer.active = True
        consumer.producer.refresh_targets()
        if consumer.kind == "video":
            self.spawn(consumer.producer.request_keyframe())

    def close_consumer(self, consumer: Consumer, *, reason: str, notify: bool = True) -> None:
        if consumer.closed:
            return
        consumer.closed = True
        consumer.active = False
        producer = consumer.producer
        if consumer in producer.consumers:
            producer.consumers.remove(consumer)
        producer.refresh_targets()
        consumer.peer.consumers.pop(consumer.id, None)
        consumer.peer.consumer_closed(consumer)
        if notify:
            consumer.peer.send(events.consumer_closed(consumer_id=consumer.id, producer_id=producer.id, reason=reason))

    # ---------------------------------------------------------------- housekeeping

    def _broadcast_speakers(self) -> None:
        state = self.speakers.state()
        speaking = []
        for producer_id, level in state.speaking.items():
            producer = self.producers.get(producer_id)
            if producer is not None:
                speaking.append({"peer_id": producer.peer.id, "producer_id": producer_id, "level": level})
        dominant = self.producers.get(state.dominant) if state.dominant else None
        self.broadcast(events.speakers_changed(speaking=speaking, dominant=dominant.peer.id if dominant else None))

    def dominant_speaker(self) -> str | None:
        producer = self.producers.get(self.speakers.dominant) if self.speakers.dominant else None
        return producer.peer.id if producer else None

    def sweep(self, now: float) -> None:
        """Remove participants whose media went silent for media_timeout seconds."""
        timeout = self.config.media_timeout
        for participant in list(self.participants.values()):
            if participant.media_seen and now - participant.last_activity > timeout:
                logger.info(
                    "room %s: peer %s silent for %.1fs, removing",
                    self.room_id,
                    participant.id,
                    now - participant.last_activity,
                )
                participant.disconnect(4408, "media_timeout")
                self.remove_participant(participant, reason="vanished")

    def update_sender_reports(self, now: float) -> None:
        ntp = hooks.ntp_now()
        for producer in self.producers.values():
            for consumer in producer.targets:
                if consumer.transceiver is None:
                    continue
                packets, octets, ts = consumer.sender_report_state(now)
                hooks.update_sender_report(
                    consumer.transceiver.sender, packets=packets, octets=octets, rtp_timestamp=ts, ntp_timestamp=ntp
                )

    async def _housekeeping(self) -> None:
        interval = self.config.speaker_interval
        last_slow = self.clock()
        while True:
            await asyncio.sleep(interval)
            now = self.clock()
            if self.speakers.tick(now) is not None:
                self._broadcast_speakers()
            if now - last_slow >= 1.0 or now - last_slow >= self.config.media_timeout / 4:
                last_slow = now
                self.sweep(now)
                self.update_sender_reports(now)

    def stats(self) -> dict[str, Any]:
        consumers = [c for p in self.producers.values() for c in p.consumers]
        return {
            "room": self.room_id,
            "peers": len(self.participants),
            "producers": len(self.producers),
            "consumers": len(consumers),
            "packets_in": sum(p.packets_in for p in self.producers.values()),
            "packets_out": sum(c.packets_out for c in consumers),
            "retransmits": sum(c.retransmits for c in consumers),
            "lost": sum(p.loss.lost for p in self.producers.values() if p.loss is not None),
        }
