"""Python peers for relay tests: a signalling client with aiortc connections, a tone
source and an audio sink that measures frequency.

The client speaks the relay's protocol like a browser will: join, ``produce`` with
its publish offer, ``consume`` producer ids and answer the relay's subscribe offers.
Its subscribe receivers are tapped (media_relay.sfu.hooks.intercept_rtp with passthrough)
to count RTP packets per consumer while aiortc still decodes them here, in the client.
"""

from __future__ import annotations

import asyncio
import fractions
import itertools
import json
import math
import time
from array import array
from collections import defaultdict
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from websockets.asyncio.client import connect

from media_relay.sfu import hooks

SAMPLE_RATE = 48000
FRAME_SAMPLES = 960  # 20 ms


class ToneTrack(MediaStreamTrack):
    """A sine wave (mono, 48 kHz, 20 ms frames) paced in real time."""

    kind = "audio"

    def __init__(self, frequency: float = 440.0, amplitude: float = 0.3) -> None:
        super().__init__()
        self.frequency = frequency
        period = SAMPLE_RATE  # one second holds a whole number of cycles for integer frequencies
        self._samples = array(
            "h", (int(amplitude * 32767 * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)) for i in range(period))
        )
        self._pos = 0
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._pts / SAMPLE_RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        chunk = self._samples[self._pos : self._pos + FRAME_SAMPLES]
        if len(chunk) < FRAME_SAMPLES:
            chunk += self._samples[: FRAME_SAMPLES - len(chunk)]
        self._pos = (self._pos + FRAME_SAMPLES) % len(self._samples)
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
        frame.planes[0].update(chunk.tobytes())
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._pts += FRAME_SAMPLES
        return frame


class PatternTrack(VideoStreamTrack):
    """Small moving-gradient video (for VP8 / H.264 forwarding tests)."""

    WIDTH, HEIGHT = 160, 120

    def __init__(self) -> None:
        super().__init__()
        w, h = self.WIDTH, self.HEIGHT
        self._frames = []
        for n in range(8):
            frame = av.VideoFrame(width=w, height=h, format="yuv420p")
            frame.planes[0].update(
                bytes(((x + y + 8 * n) & 0xFF) for y in range(h) for x in range(frame.planes[0].line_size))
            )
            for plane in frame.planes[1:]:
                plane.update(bytes([128]) * plane.buffer_size)
            self._frames.append(frame)
        self._n = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = self._frames[self._n % len(self._frames)]
        self._n += 1
        frame.pts = pts
        frame.time_base = time_base
        return frame


def dominant_frequency(samples: array, sample_rate: int = SAMPLE_RATE) -> float:
    """Frequency of a (near) sine from its rising zero crossings, linearly interpolated."""
    mean = sum(samples) / len(samples)
    crossings = []
    prev = samples[0] - mean
    for i in range(1, len(samples)):
        cur = samples[i] - mean
        if prev < 0 <= cur:
            crossings.append(i - 1 + (-prev) / (cur - prev))
        prev = cur
    if len(crossings) < 3:
        return 0.0
    return (len(crossings) - 1) * sample_rate / (crossings[-1] - crossings[0])


def rms(samples: array) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


class AudioSink:
    """Reads a received track; keeps the left channel of what it decodes."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.track = track
        self.samples = array("h")
        self.frames = 0
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while True:
                frame = await self.track.recv()
                self.frames += 1
                pcm = array("h", bytes(frame.planes[0])[: frame.samples * 2 * len(frame.layout.channels)])
                self.samples.extend(pcm[:: len(frame.layout.channels)])
        except (MediaStreamError, asyncio.CancelledError):
            pass

    def stop(self) -> None:
        self._task.cancel()


class RelayClient:
    """One participant: a WebSocket to the relay and up to two peer connections."""

    _refs = itertools.count(1)

    def __init__(self, url: str, token: str, *, name: str = "") -> None:
        self.url = url
        self.token = token
        self.name = name
        self.ws = None
        self.messages: list[dict[str, Any]] = []  # everything received, in order
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task | None = None
        self.pub_pc: RTCPeerConnection | None = None
        self.sub_pc: RTCPeerConnection | None = None
        self.peer_id: str | None = None
        self.consumers: dict[str, dict[str, Any]] = {}  # consumer_id -> description (with mid)
        self.rtp_by_mid: dict[str, int] = defaultdict(int)
        self.rtp_log: dict[str, list[tuple[float, int, int, int]]] = defaultdict(list)  # (time, seq, pt, ssrc)
        self.tracks_by_mid: dict[str, MediaStreamTrack] = {}
        self.sinks: dict[str, AudioSink] = {}
        self.closed_code: int | None = None
        self.decode = True  # consume tracks (aiortc decodes here, in the client)
        self.auto_answer = True  # answer the relay's subscribe offers as they arrive

    # ---------------------------------------------------------------- signalling

    async def connect(self) -> RelayClient:
        self.ws = await connect(self.url, additional_headers={"Authorization": f"Bearer {self.token}"}, max_size=None)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return self

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                message = json.loads(text)
                if message.get("type") == "offer" and message.get("pc") == "subscribe" and self.auto_answer:
                    await self._answer_offer(message)
                async with self._changed:
                    self.messages.append(message)
                    self._changed.notify_all()
        except Exception:  # noqa: BLE001 - the test sees the close code
            pass
        finally:
            self.closed_code = self.ws.close_code
            async with self._changed:
                self._changed.notify_all()

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    async def wait_for(self, predicate, timeout: float = 5.0, start: int = 0) -> dict[str, Any]:
        async def find():
            async with self._changed:
                while True:
                    for message in self.messages[start:]:
                        if predicate(message):
                            return message
                    if self.ws.close_code is not None and self._reader.done():
                        raise ConnectionError(f"closed {self.ws.close_code}")
                    await self._changed.wait()

        return await asyncio.wait_for(find(), timeout)

    async def request(self, message: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        ref = next(self._refs)
        start = len(self.messages)
        await self.send(message | {"ref": ref})
        return await self.wait_for(lambda m: m.get("ref") == ref, timeout, start)

    # ---------------------------------------------------------------- room

    async def join(self, room: str) -> dict[str, Any]:
        reply = await self.request({"type": "join", "room": room})
        if reply["type"] == "joined":
            self.peer_id = reply["peer_id"]
        return reply

    async def publish(self, *tracks: MediaStreamTrack, video_codec: str | None = None) -> dict[str, Any]:
        """Publish the tracks; ``video_codec`` ("VP8", "H264") offers only that video codec (and RTX)."""
        if self.pub_pc is None:
            self.pub_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        for track in tracks:
            transceiver = self.pub_pc.addTransceiver(track, direction="sendonly")
            if video_codec is not None and track.kind == "video":
                codecs = RTCRtpSender.getCapabilities("video").codecs
                transceiver.setCodecPreferences([c for c in codecs if c.name in (video_codec, "rtx")])
        offer = await self.pub_pc.createOffer()
        await self.pub_pc.setLocalDescription(offer)
        reply = await self.request({"type": "produce", "sdp": self.pub_pc.localDescription.sdp})
        if reply["type"] == "answer":
            await self.pub_pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
        return reply

    async def consume(self, producer_ids: list[str], timeout: float = 10.0) -> dict[str, Any]:
        """Ask for consumers; returns the ok (or error) reply. The relay's offer is
        answered by the reader as it arrives."""
        return await self.request({"type": "consume", "producer_ids": producer_ids}, timeout)

    async def consume_and_wait(self, producer_ids: list[str], timeout: float = 10.0) -> list[dict[str, Any]]:
        start = len(self.messages)
        reply = await self.consume(producer_ids, timeout)
        if reply["type"] == "error":
            raise AssertionError(reply)
        offers = []
        wanted = set(producer_ids)
        while wanted:
            offer = await self.wait_for(lambda m: m.get("type") == "offer" and m not in offers, timeout, start)
            offers.append(offer)
            wanted -= {c["producer_id"] for c in offer["consumers"]}
        return [c for o in offers for c in o["consumers"]]

    async def _answer_offer(self, message: dict[str, Any]) -> None:
        if self.sub_pc is None:
            self.sub_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            tapped: set[int] = set()

            @self.sub_pc.on("track")
            def on_track(track) -> None:
                for transceiver in self.sub_pc.getTransceivers():
                    if transceiver.receiver.track is track and id(transceiver) not in tapped:
                        tapped.add(id(transceiver))
                        self._tap(transceiver)

        await self.sub_pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
        for consumer in message["consumers"]:
            self.consumers[consumer["consumer_id"]] = consumer
        answer = await self.sub_pc.createAnswer()
        await self.sub_pc.setLocalDescription(answer)
        await self.send({"type": "answer", "sdp": self.sub_pc.localDescription.sdp})

    def _tap(self, transceiver) -> None:
        mid = transceiver.mid
        counts, log = self.rtp_by_mid, self.rtp_log[mid]

        async def count(packet, arrival_time_ms) -> None:
            counts[mid] += 1
            log.append((time.monotonic(), packet.sequence_number, packet.payload_type, packet.ssrc))

        hooks.intercept_rtp(transceiver.receiver, count, passthrough=self.decode)
        self.tracks_by_mid[mid] = transceiver.receiver.track
        if self.decode and transceiver.kind == "audio":
            self.sinks[mid] = AudioSink(transceiver.receiver.track)

    def mid_of(self, producer_id: str) -> str:
        for consumer in self.consumers.values():
            if consumer["producer_id"] == producer_id:
                return consumer["mid"]
        raise KeyError(producer_id)

    def packets_from(self, producer_id: str) -> int:
        return self.rtp_by_mid.get(self.mid_of(producer_id), 0)

    async def wait_packets(self, producer_id: str, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.packets_from(producer_id) >= count:
                    return
            except KeyError:
                pass
            await asyncio.sleep(0.02)
        raise AssertionError(f"{self.name}: fewer than {count} packets from {producer_id} after {timeout}s")

    async def close(self) -> None:
        for sink in self.sinks.values():
            sink.stop()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 2)
            except (TimeoutError, asyncio.CancelledError):
                self._reader.cancel()
        for pc in (self.pub_pc, self.sub_pc):
            if pc is not None:
                await pc.close()
