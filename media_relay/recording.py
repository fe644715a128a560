"""Recording egress: a room's media into a WebM file, RTP payloads copied, never decoded or encoded.

``RoomRecorder(router, path)`` adds one server-side Consumer per producer of the room (Opus audio,
VP8 video; WebM cannot hold H.264, so H.264 producers are left out). A recorder consumer is an
ordinary Consumer (media_relay.router): its numbering and clock are rewritten like a subscriber's,
a video consumer starts at a keyframe (asked for at once), and a mute continues the clock with no
gap. Its sink only queues the RTP packet (``queue.put_nowait``): the forwarding loop never waits for
the disk; a full queue drops the packet and counts it.

A writer thread (``WebmWriter``) depacketizes — Opus: the RTP payload is the frame; VP8: the payload
descriptor is stripped and a frame's packets are joined up to the marker bit — and muxes with PyAV
into WebM by stream copy: ``av.Packet`` with the frame bytes, pts from the RTP timestamps (time base
1/48000 for Opus, 1/90000 for VP8), offset by when the track's first packet arrived after the
recording started, so tracks stay in sync and the file's duration is the recorded time. The output
streams are created from codec *parameters* (``add_stream_from_template`` of a never-opened stream
of a scratch container), so PyAV opens no encoder; nothing is decoded either.

Producers that appear after the recording started are not added (a WebM header lists its tracks
up front); see docs/media_relay.md.

When a recording stops, the relay calls its ``on_recording_stopped`` hook; ``run_relay`` plugs in
``recording_hand_off`` (below), the one place the streams issue's VOD pipeline will replace.
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


class WebmWriter(threading.Thread):
    """Owns the output file: everything after the queue happens on this thread."""

    def __init__(self, path: str, tracks: list[Track], *, started: float) -> None:
        super().__init__(name=f"recording-{os.path.basename(path)}", daemon=True)
        self.path = path
        self.tracks = tracks
        self.started = started
        self.queue: queue.Queue = queue.Queue(QUEUE_PACKETS)
        self.dropped = 0
        self.frames = 0
        self.error: BaseException | None = None
        self._container = None
        self._scratch = None

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
            self._open()  # a recording with no video key frame still gets its audio
        except Exception as exc:  # noqa: BLE001 - reported by stop(); the relay must not die of a bad file
            logger.exception("recording %s failed", self.path)
            self.error = exc
        finally:
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


class RecordingSink:
    """A recorder consumer's sink: hands the rewritten RTP packet to the writer's queue."""

    __slots__ = ("writer", "index")

    def __init__(self, writer: WebmWriter, index: int) -> None:
        self.writer, self.index = writer, index

    def write(self, data: bytes) -> None:
        self.writer.put(self.index, data)

    async def send(self, data: bytes) -> None:
        self.write(data)


class RoomRecorder:
    """One recording of one room. Also the recorder consumers' ``peer`` (Consumer's duck type)."""

    id = "recorder"
    name = "recorder"

    def __init__(self, router: Router, path: str) -> None:
        self.router = router
        self.path = path
        self.consumers: dict[str, Consumer] = {}
        producers = [p for p in router.producers.values() if not p.closed and (p.kind, p.codec_name) in RECORDABLE]
        tracks = []
        for producer in producers:
            codec, clock_rate = RECORDABLE[(producer.kind, producer.codec_name)]
            depacketizer = OpusDepacketizer() if producer.kind == "audio" else Vp8Depacketizer()
            tracks.append(Track(kind=producer.kind, codec=codec, clock_rate=clock_rate, depacketizer=depacketizer))
        self.started = time.monotonic()
        self.writer = WebmWriter(path, tracks, started=self.started)
        self._producers = producers

    def start(self) -> None:
        self.writer.start()
        for index, producer in enumerate(self._producers):
            self._consume(producer, RecordingSink(self.writer, index))

    def _consume(self, producer: Producer, sink: RecordingSink) -> None:
        consumer = Consumer(router=self.router, peer=self, producer=producer, sink=sink)
        consumer.configure(
            payload_type=producer.payload_type, rtx_payload_type=None, ssrc=secrets.randbits(32), rtx_ssrc=0,
            header_extension_ids={}, mid=None,
        )
        self.router.add_consumer(consumer)
        self.router.activate_consumer(consumer)  # video: asks the publisher for a key frame

    async def stop(self) -> str:
        """Stop consuming, let the writer drain and close the file; returns its path."""
        for consumer in list(self.consumers.values()):
            self.router.close_consumer(consumer, reason="recording_stopped", notify=False)
        self.writer.queue.put(None)  # after every queued packet
        await asyncio.to_thread(self.writer.join)
        if self.writer.dropped:
            logger.warning("recording %s: %d packets dropped (writer behind)", self.path, self.writer.dropped)
        if self.writer.error is not None:
            raise self.writer.error
        return self.path

    # the Consumer's peer duck type: the recorder has no signalling connection
    def send(self, message: dict[str, Any]) -> None:
        pass

    def touch(self, now: float) -> None:
        pass

    def consumer_closed(self, consumer: Consumer) -> None:
        pass


# ------------------------------------------------------------------ hand-off


def recording_hand_off(*, room: str, path: str) -> str:
    """A finished recording leaves the relay host: today into Django's default storage under
    ``recordings/<room>/``; returns the stored name. The streams issue's VOD pipeline replaces this."""
    from django.core.files import File
    from django.core.files.storage import default_storage

    with open(path, "rb") as source:
        name = default_storage.save(f"recordings/{room}/{os.path.basename(path)}", File(source))
    os.remove(path)
    logger.info("recording of %s stored as %s", room, name)
    return name
