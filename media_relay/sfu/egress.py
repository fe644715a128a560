"""Recording egress: a room's media into WebM files, RTP payloads copied, never decoded or encoded.

``RoomRecorder(router, ...)`` writes a recording as a series of parts. A part is one WebM file
holding one track per producer of the room (Opus audio, VP8 video; WebM cannot hold H.264, so
H.264 producers are left out). A WebM header lists its tracks up front, so a producer that appears
mid-way (someone starts talking, OBS goes live) starts a new part holding every current producer;
the parts overlap by a moment instead of leaving a gap.

Each producer of a part gets a recorder consumer: an ordinary Consumer (media_relay.sfu.router) whose
numbering and clock are rewritten like a subscriber's; a video one starts at a keyframe (asked for
at once), and a mute continues the clock with no gap. Its sink only queues the RTP packet
(``queue.put_nowait``): the forwarding loop never waits for the disk; a full queue drops the packet
and counts it.

A writer thread per part (``WebmWriter``) depacketizes — Opus: the RTP payload is the frame; VP8:
the payload descriptor is stripped and a frame's packets are joined up to the marker bit — and
muxes with PyAV into WebM by stream copy: ``av.Packet`` with the frame bytes, pts from the RTP
timestamps (time base 1/48000 for Opus, 1/90000 for VP8), offset by when the track's first packet
arrived after the part started, so tracks stay in sync and the file's duration is the recorded
time. The output streams are created from codec *parameters* (``add_stream_from_template`` of a
never-opened stream of a scratch container), so PyAV opens no encoder; nothing is decoded either.

Every finished part is handed off at once (``Relay.on_recording_part``); ``run_relay`` plugs in
``media_relay.platform.recording_hand_off``: the file goes to storage and becomes a RecordingPart row.
"""

from __future__ import annotations

import asyncio
import fractions
import io
import logging
import os
import queue
import secrets
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import av

from .router import Consumer
from .rtp import RawRtp, is_vp8_frame_start, vp8_descriptor_length

if TYPE_CHECKING:
    from .router import Producer, Router

logger = logging.getLogger(__name__)

QUEUE_PACKETS = 8192  # ~40 s of one Opus track, ~15 s of 720p VP8: a writer stalled longer loses packets
VIDEO_WAIT_SECONDS = 2.0  # the header waits this long for every video track's first keyframe (its size)
DEFAULT_VIDEO_SIZE = (640, 480)
CHECK_SECONDS = 0.5  # how often a recorder looks for producers its part doesn't hold
# OpusHead (RFC 7845 5.1): version 1, 2 channels (WebRTC's opus/48000/2), pre-skip 312, 48 kHz, gain 0, family 0
OPUS_HEAD = b"OpusHead" + struct.pack("<BBHIhB", 1, 2, 312, 48000, 0, 0)
RECORDABLE = {("audio", "opus"): ("libopus", 48000), ("video", "VP8"): ("libvpx", 90000)}


# ------------------------------------------------------------------ depacketizing (writer thread)


@dataclass
class Frame:
    data: bytes
    timestamp: int  # RTP timestamp (32 bits)
    keyframe: bool


def vp8_frame_size(frame: bytes) -> tuple[int, int] | None:
    """(width, height) from a VP8 key frame's header (RFC 6386 9.1), None for an inter frame."""
    if len(frame) < 10 or frame[0] & 0x01 or frame[3:6] != b"\x9d\x01\x2a":
        return None
    width, height = struct.unpack_from("<HH", frame, 6)
    return width & 0x3FFF, height & 0x3FFF


class Vp8Depacketizer:
    """Joins a frame's packets (first: S bit and partition 0; last: marker). A gap drops the frame."""

    def __init__(self) -> None:
        self._parts: list[bytes] | None = None
        self._timestamp = 0
        self._next_seq = 0

    def push(self, packet: RawRtp) -> Frame | None:
        skip = vp8_descriptor_length(packet.payload)
        if skip is None:
            self._parts = None
            return None
        if is_vp8_frame_start(packet.payload):
            self._parts, self._timestamp = [], packet.ts
        elif self._parts is None or packet.seq != self._next_seq or packet.ts != self._timestamp:
            self._parts = None  # lost a packet of this frame: drop it, wait for the next frame start
            return None
        self._parts.append(packet.payload[skip:])
        self._next_seq = (packet.seq + 1) & 0xFFFF
        if not packet.marker:
            return None
        data, self._parts = b"".join(self._parts), None
        return Frame(data, self._timestamp, keyframe=bool(data) and not data[0] & 0x01)


class OpusDepacketizer:
    """RFC 7587: one Opus packet per RTP payload."""

    def push(self, packet: RawRtp) -> Frame | None:
        return Frame(packet.payload, packet.ts, keyframe=True) if packet.payload else None


# ------------------------------------------------------------------ the writer


@dataclass
class Track:
    kind: str
    codec: str  # PyAV codec name of the template stream: libopus, libvpx
    clock_rate: int
    depacketizer: Any
    size: tuple[int, int] | None = None  # video: from the first key frame
    pending: list[tuple[Frame, int]] = field(default_factory=list)  # (frame, pts) until the header is written
    stream: Any = None
    first_timestamp: int | None = None
    extended: int = 0  # unwrapped RTP timestamp of the last frame
    offset: int = 0  # pts of the first frame: its arrival after the recording started
    last_pts: int = -1


class QueuedWriter(threading.Thread):
    """A writer thread fed from the relay's event loop: ``put`` queues an RTP packet and never blocks (a
    full queue drops it and counts it in ``dropped``); the thread hands each packet to ``_packet(index,
    arrival, data)``, then ``_finish()`` once ``drain()`` queued the end. An exception is logged and kept in
    ``error`` (the relay must not die of a bad file); ``_cleanup()`` runs last either way."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.queue: queue.Queue = queue.Queue(QUEUE_PACKETS)
        self.dropped = 0
        self.error: BaseException | None = None

    def put(self, index: int, data: bytes) -> None:
        """From the relay's event loop: never blocks."""
        try:
            self.queue.put_nowait((index, time.monotonic(), data))
        except queue.Full:
            self.dropped += 1

    def run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                self._packet(*item)
            self._finish()
        except Exception as exc:  # noqa: BLE001 - reported in the log and by ``error``; the relay must not die
            logger.exception("%s failed", self.name)
            self.error = exc
        finally:
            self._cleanup()

    async def drain(self) -> None:
        """From the event loop: end the queue (after every queued packet) and wait for the thread."""
        self.queue.put(None)
        await asyncio.to_thread(self.join)
        if self.dropped:
            logger.warning("%s: %d packets dropped (writer behind)", self.name, self.dropped)

    def _packet(self, index: int, arrival: float, data: bytes) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError

    def _cleanup(self) -> None:
        raise NotImplementedError


class WebmWriter(QueuedWriter):
    """Owns the output file: everything after the queue happens on this thread."""

    def __init__(self, path: str, tracks: list[Track], *, started: float) -> None:
        super().__init__(f"recording-{os.path.basename(path)}")
        self.path = path
        self.tracks = tracks
        self.started = started
        self.frames = 0
        self._container = None
        self._scratch = None

    @property
    def duration(self) -> float:
        """Seconds from the part's start to its last frame (read after the thread ended)."""
        return max((t.last_pts / t.clock_rate for t in self.tracks if t.last_pts >= 0), default=0.0)

    def _finish(self) -> None:
        self._open()  # a recording with no video key frame still gets its audio

    def _cleanup(self) -> None:
        if self._container is not None:
            self._container.close()
        if self._scratch is not None:
            self._scratch.close()

    def _packet(self, index: int, arrival: float, data: bytes) -> None:
        track = self.tracks[index]
        try:
            frame = track.depacketizer.push(RawRtp(data))
        except ValueError:
            return
        if frame is None:
            return
        if track.first_timestamp is None:
            track.first_timestamp = track.extended = frame.timestamp
            track.offset = round(max(0.0, arrival - self.started) * track.clock_rate)
        else:  # unwrap the 32-bit RTP clock
            delta = (frame.timestamp - track.extended) & 0xFFFFFFFF
            track.extended += delta - (1 << 32) if delta >= 1 << 31 else delta
        pts = track.extended - track.first_timestamp + track.offset
        if track.kind == "video" and track.size is None and frame.keyframe:
            track.size = vp8_frame_size(frame.data)
        if self._container is None:
            track.pending.append((frame, pts))
            waiting = any(t.kind == "video" and t.size is None for t in self.tracks)
            if waiting and arrival - self.started < VIDEO_WAIT_SECONDS:
                return
            self._open()
        else:
            self._mux(track, frame, pts)

    def _open(self) -> None:
        """Write the header: one stream per track, from codec parameters (no encoder is opened)."""
        if self._container is not None:
            return
        self._scratch = av.open(io.BytesIO(), "w", format="webm")
        self._container = av.open(self.path, "w", format="webm")
        for track in self.tracks:
            template = self._scratch.add_stream(track.codec, rate=track.clock_rate if track.kind == "audio" else 30)
            track.stream = self._container.add_stream_from_template(template)
            if track.kind == "audio":
                track.stream.codec_context.extradata = OPUS_HEAD
            else:
                track.stream.codec_context.width, track.stream.codec_context.height = track.size or DEFAULT_VIDEO_SIZE
        for track in self.tracks:
            for frame, pts in track.pending:
                self._mux(track, frame, pts)
            track.pending.clear()

    def _mux(self, track: Track, frame: Frame, pts: int) -> None:
        if pts <= track.last_pts:
            return  # a duplicate or reordered frame: the muxer needs increasing timestamps
        track.last_pts = pts
        packet = av.Packet(frame.data)
        packet.stream = track.stream
        packet.pts = packet.dts = pts
        packet.time_base = fractions.Fraction(1, track.clock_rate)
        packet.is_keyframe = frame.keyframe
        self._container.mux(packet)
        self.frames += 1


# ------------------------------------------------------------------ the relay side


@dataclass(frozen=True)
class PartFile:
    """A finished part: its file, when its recording began (unix time), how long it runs, what it holds."""

    path: str
    started_at: float
    duration: float
    size: int
    tracks: tuple[str, ...]


class RecordingSink:
    """A tap consumer's sink: hands the rewritten RTP packet to a writer thread's queue (``put``)."""

    __slots__ = ("writer", "index")

    def __init__(self, writer: Any, index: int) -> None:
        self.writer, self.index = writer, index

    def write(self, data: bytes) -> None:
        self.writer.put(self.index, data)

    async def send(self, data: bytes) -> None:
        self.write(data)


def tap_producer(router: Router, peer: Any, producer: Producer, sink: RecordingSink) -> Consumer:
    """An egress's consumer of ``producer``: rewritten like a subscriber's, delivered to ``sink``; a
    video one starts at a key frame, asked for at once. ``peer`` is the egress (Consumer's duck type)."""
    consumer = Consumer(router=router, peer=peer, producer=producer, sink=sink)
    consumer.configure(
        payload_type=producer.payload_type, rtx_payload_type=None, ssrc=secrets.randbits(32), rtx_ssrc=0,
        header_extension_ids={}, mid=None,
    )
    router.add_consumer(consumer)
    router.activate_consumer(consumer)
    return consumer


class Part:
    """One file being written: a writer thread and one recorder consumer per producer it holds."""

    def __init__(self, recorder: RoomRecorder, path: str, producers: list[Producer]) -> None:
        self.recorder = recorder
        self.path = path
        self.producer_ids = frozenset(p.id for p in producers)
        self.producers = producers
        self.started_at = time.time()
        tracks = []
        for producer in producers:
            codec, clock_rate = RECORDABLE[(producer.kind, producer.codec_name)]
            depacketizer = OpusDepacketizer() if producer.kind == "audio" else Vp8Depacketizer()
            tracks.append(Track(kind=producer.kind, codec=codec, clock_rate=clock_rate, depacketizer=depacketizer))
        self.writer = WebmWriter(path, tracks, started=time.monotonic())
        self.consumers: list[Consumer] = []

    def start(self) -> None:
        self.writer.start()
        for index, producer in enumerate(self.producers):
            self.consumers.append(tap_producer(self.recorder.router, self.recorder, producer,
                                               RecordingSink(self.writer, index)))

    async def stop(self) -> PartFile | None:
        """Stop consuming, let the writer drain and close the file. None if it holds no frame (removed)."""
        for consumer in self.consumers:
            self.recorder.router.close_consumer(consumer, reason="recording_stopped", notify=False)
        await self.writer.drain()
        if self.writer.error is not None or not self.writer.frames:
            if os.path.exists(self.path):
                os.remove(self.path)
            return None
        return PartFile(
            path=self.path, started_at=self.started_at, duration=self.writer.duration, size=os.path.getsize(self.path),
            tracks=tuple(track.kind for track in self.writer.tracks),
        )


class TapPeer:
    """The Consumer's peer duck type for a tap that has no signalling connection (recorder, HLS egress)."""

    def send(self, message: dict[str, Any]) -> None:
        pass

    def touch(self, now: float) -> None:
        pass

    def consumer_closed(self, consumer: Consumer) -> None:
        pass


class RoomRecorder(TapPeer):
    """One recording of one room, written as a series of parts.

    Every ``check_interval`` it compares the room's recordable producers with those of the part
    being written: one that is new (someone started talking, a WHIP publisher went live) starts a
    new part holding every current producer, then the old part is closed, so the two overlap by a
    moment rather than leave a gap. Producers that close simply end their track. Each finished part
    goes to ``on_part`` (awaited: the relay runs the hand-off in a thread). Also the recorder
    consumers' ``peer`` (Consumer's duck type)."""

    id = "recorder"
    name = "recorder"

    def __init__(
        self, router: Router, *, directory: str, tag: str | None, on_part: Callable[[PartFile], Awaitable[Any]],
        check_interval: float = CHECK_SECONDS,
    ) -> None:
        self.router = router
        self.directory = directory
        self.tag = tag  # the platform's Recording id
        self.label = router.room_id if tag is None else f"{router.room_id}-rec{tag}"
        self.on_part = on_part
        self.check_interval = check_interval
        self.consumers: dict[str, Consumer] = {}
        self.part: Part | None = None
        self.parts_started = 0
        self._task: asyncio.Task | None = None
        self._finishing: set[asyncio.Task] = set()

    def start(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        self.check()
        self._task = asyncio.get_running_loop().create_task(self._check_forever())

    def recordable(self) -> list[Producer]:
        return [p for p in self.router.producers.values() if not p.closed and (p.kind, p.codec_name) in RECORDABLE]

    def check(self) -> None:
        """Start a new part if a producer appeared that the current part doesn't hold."""
        producers = self.recordable()
        if not producers or (self.part is not None and {p.id for p in producers} <= self.part.producer_ids):
            return
        self.parts_started += 1
        path = os.path.join(self.directory, f"{self.label}-{self.parts_started}-{secrets.token_hex(4)}.webm")
        previous, self.part = self.part, Part(self, path, producers)
        self.part.start()
        if previous is not None:
            self._finish(previous)

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(self.check_interval)
            self.check()

    def _finish(self, part: Part) -> None:
        task = asyncio.get_running_loop().create_task(self._hand_off(part))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def _hand_off(self, part: Part) -> None:
        try:
            finished = await part.stop()
            if finished is not None:
                await self.on_part(finished)
        except Exception:  # noqa: BLE001 - one lost part must not stop the recording or the relay
            logger.exception("recording %s: part %s was lost", self.label, part.path)

    async def stop(self) -> None:
        """Close the current part; returns when every part has been handed off."""
        if self._task is not None:
            self._task.cancel()
        if self.part is not None:
            self._finish(self.part)
            self.part = None
        while self._finishing:
            await asyncio.gather(*self._finishing)
