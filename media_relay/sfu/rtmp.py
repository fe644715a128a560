"""RTMP ingest: ``rtmp://<host>/live/<stream key>`` (OBS's default output) published into the relay as WHIP.

Everything RTMP is FFmpeg's (PyAV): its ``rtmp`` protocol in listen mode does the handshake and the
``connect`` / ``publish`` commands, its ``flv`` demuxer the media. What FFmpeg's listen mode cannot do
is serve many publishers on one port (``listen=1`` binds, accepts one connection and closes the
listening socket; the rtmp protocol has no multi-client ``listen=2``) or tell the caller the stream
name the publisher asked for (it only compares it with the one in its own URL). So:

* many publishers: the ingest accepts TCP on the public port itself and, per connection, starts an
  FFmpeg listener on a free loopback port and pipes the bytes both ways unchanged (``_pipe``: a
  byte copy that never looks at them; no RTMP is parsed here). A slow or silent client holds only
  its own listener; the publisher's socket is the ingest's to close (wrong key, revoked key).
* the stream key: FFmpeg's listener is opened for stream ``PLACEHOLDER``; a publisher asking for
  another stream (its key) makes FFmpeg log ``Unexpected stream <key>, expecting _`` and go on. The
  ingest reads the key from that line, captured in the demuxing thread (``av.logging.Capture``:
  never forwarded to the logs). Any application name is accepted (``live`` is the documented one).

Then the key goes to ``authenticate(key)`` (the platform's stream-key check; RelayError refuses:
the connection is closed) which returns the relay worker's WHIP URL, and the ingest publishes there
as a WHIP client would (an aiortc RTCPeerConnection, bearer = the stream key, so the worker checks
the key and the room rights again and drops the publisher when the key is revoked; the ingest then
closes the RTMP connection). Media:

* H.264 is passed through (``h264_mp4toannexb``, then aiortc packetizes the encoded access units as
  RTP: ``RTCRtpSender`` packs ``av.Packet``s without encoding) when WebRTC can carry it: the
  (constrained) baseline profile the relay negotiates with receivers, so no B-frames (RTP carries
  no decode order). Otherwise (OBS's default High profile with B-frames, another codec) it is
  decoded and aiortc encodes H.264 again (CPU: docs/media_relay.md). Keyframe requests cannot reach an RTMP publisher:
  a new viewer waits for the publisher's next keyframe (OBS: keyframe interval 1-2 s).
* audio (AAC) is decoded and resampled to 48 kHz stereo 20 ms frames, which aiortc encodes as Opus.

One thread per publisher demuxes (PyAV releases the GIL while it waits for the network).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fractions
import logging
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import aiohttp
import av
import av.logging
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from ..errors import RelayError

logger = logging.getLogger(__name__)

PLACEHOLDER = "_"
KEY_LOG = re.compile(r"Unexpected stream (?P<key>.+), expecting " + re.escape(PLACEHOLDER) + r"\s*$")
OPEN_TIMEOUT = 10.0  # s: the proxied connection, RTMP handshake, publish and the first packets
READ_TIMEOUT = 10.0  # s: a publisher silent this long is gone
# the FLV sequence headers come first: no need to wait for frames to guess a frame rate
PROBE = {"analyzeduration": "500000", "probesize": "262144", "fpsprobesize": "0"}
PASSTHROUGH_CODEC = "h264"
# what the relay's H.264 (aiortc: profile-level-id 42e01f, constrained baseline) promises receivers
PASSTHROUGH_PROFILES = {"Baseline", "Constrained Baseline"}
AUDIO_RATE, AUDIO_FRAME = 48000, 960  # 20 ms frames, what aiortc's Opus encoder takes
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_RATE)
QUEUE_LIMIT = 300  # items a track holds while the WebRTC leg connects; past it, the oldest go
DRAIN_TIMEOUT = 3.0  # s: a publisher that stops still plays out what it sent, up to this long
MAX_PUBLISHERS = 32  # per ingest process: one demuxing thread each; more are refused (closed at once)

Authenticate = Callable[[str], Awaitable[str]]  # stream key -> WHIP URL; RelayError refuses


class WhipRefused(Exception):
    """The relay worker answered the WHIP offer with an error."""


def key_from_logs(logs: list[tuple[int, str, str]]) -> str | None:
    """The stream name the publisher asked for, from FFmpeg's rtmp listener's own warning."""
    for _level, name, message in logs:
        match = KEY_LOG.match(message) if name == "rtmp" else None
        if match:
            return match["key"]
    return None


def can_pass_through(stream: av.VideoStream) -> bool:
    """Whether WebRTC can carry the publisher's video as it is: H.264 in the profile the relay
    negotiates with its receivers (constrained baseline: no B-frames, which RTP cannot reorder)."""
    context = stream.codec_context
    return context.name == PASSTHROUGH_CODEC and context.profile in PASSTHROUGH_PROFILES and not context.has_b_frames


class MediaClock:
    """One publisher's playout clock, shared by its tracks so they stay in sync.

    While the WebRTC leg connects (the key check, the offer, ICE, DTLS: about a second) the tracks
    queue what the publisher sends. Sending that backlog at once would be a burst receivers' jitter
    buffers drop, and sending all of it would add its length to the latency for good. So once
    connected the tracks start at the live edge, the last video keyframe queued (``start``: older
    items go), and each item leaves when the clock reaches its media time: at most one keyframe
    interval behind the publisher."""

    def __init__(self, tracks: dict[str, FeedTrack]) -> None:
        self.tracks = tracks
        self.origin: float | None = None  # loop time of media time 0

    def start(self) -> None:
        video, audio = self.tracks.get("video"), self.tracks.get("audio")
        edge = video.last_keyframe_time() if video is not None else None
        if edge is None:
            edge = audio.last_time() if audio is not None else None
        if edge is None:
            return  # nothing queued yet: start with the first item
        for track in self.tracks.values():
            track.drop_before(edge)
        self.origin = asyncio.get_running_loop().time() - edge

    async def wait_until(self, media_time: float) -> None:
        loop = asyncio.get_running_loop()
        if self.origin is None:
            self.origin = loop.time() - media_time
        delay = self.origin + media_time - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)


class FeedTrack(MediaStreamTrack):
    """A track fed from the demuxing thread (``put`` on the event loop) with ``av.Packet``s aiortc packs
    as they are, or frames it encodes, each with its media time (seconds, the publisher's timeline).
    It keeps at most ``QUEUE_LIMIT`` items (video restarts at a keyframe after dropping) and hands
    them out on the publisher's ``MediaClock``."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.clock: MediaClock | None = None
        self._items: collections.deque[tuple[float, object, bool]] = collections.deque()
        self._ready = asyncio.Event()
        self._ended = False
        self._need_keyframe = kind == "video"

    def put(self, item, media_time: float, keyframe: bool) -> None:
        if self._need_keyframe and not keyframe:
            return
        self._need_keyframe = False
        self._items.append((media_time, item, keyframe))
        if len(self._items) > QUEUE_LIMIT:
            self._items.clear()
            self._need_keyframe = self.kind == "video"
        self._ready.set()

    def end(self) -> None:
        self._ended = True
        self._ready.set()

    @property
    def queued(self) -> int:
        return len(self._items)

    def last_keyframe_time(self) -> float | None:
        return next((t for t, _, keyframe in reversed(self._items) if keyframe), None)

    def last_time(self) -> float | None:
        return self._items[-1][0] if self._items else None

    def drop_before(self, media_time: float) -> None:
        while self._items and self._items[0][0] < media_time:
            self._items.popleft()

    async def recv(self):
        if self.clock.origin is None:
            self.clock.start()
        while not self._items:
            if self._ended or self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        media_time, item, _ = self._items.popleft()
        await self.clock.wait_until(media_time)
        return item


@dataclass(eq=False)
class Publisher:
    """One RTMP connection: its FFmpeg side, its WHIP session, its tracks."""

    client: asyncio.StreamWriter
    loop: asyncio.AbstractEventLoop
    key: str = ""
    tracks: dict[str, FeedTrack] = field(default_factory=dict)
    pc: RTCPeerConnection | None = None
    resource: str | None = None  # the WHIP session's URL
    passthrough: bool = True
    stopped: threading.Event = field(default_factory=threading.Event)

    def drop(self, reason: str) -> None:
        """End it from the event loop: the publisher's socket closes, the demuxer stops."""
        if not self.stopped.is_set():
            logger.info("rtmp ingest: dropping %s (%s)", self.label, reason)
        self.stopped.set()
        self.client.close()

    async def drained(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while any(track.queued for track in self.tracks.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    @property
    def label(self) -> str:
        return f"publisher {self.key[:10]}…" if self.key else "publisher"


class RtmpIngest:
    def __init__(
        self, *, authenticate: Authenticate, host: str = "0.0.0.0", port: int = 1935,
        max_publishers: int = MAX_PUBLISHERS,
    ) -> None:
        self.authenticate = authenticate
        self.host, self.port = host, port
        self.max_publishers = max_publishers
        self.publishers: set[Publisher] = set()
        self._threads = ThreadPoolExecutor(max_workers=max_publishers, thread_name_prefix="rtmp-demux")
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> int:
        # FFmpeg's warnings must reach PyAV's log callback for key_from_logs (captured per thread, never
        # logged), each one: PyAV folds a message repeated by the next publisher into "repeated n times".
        av.logging.set_level(av.logging.WARNING)
        av.logging.set_skip_repeated(False)
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("rtmp ingest on rtmp://%s:%d/live/<stream key>", self.host, self.port)
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for publisher in list(self.publishers):
            publisher.drop("shutting down")
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=OPEN_TIMEOUT + READ_TIMEOUT)
        self._threads.shutdown(wait=False, cancel_futures=True)

    # ---------------------------------------------------------------- the TCP side

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self.publishers) >= self.max_publishers:
            logger.warning("rtmp ingest: %d publishers already, refusing one more", len(self.publishers))
            writer.close()
            return
        task = asyncio.current_task()
        self._tasks.add(task)
        loop = asyncio.get_running_loop()
        publisher = Publisher(client=writer, loop=loop)
        self.publishers.add(publisher)
        port = free_loopback_port()
        demuxer = loop.run_in_executor(self._threads, self._demux, publisher, port)
        try:
            ffmpeg = await connect_when_listening(port, demuxer)
            if ffmpeg is not None:
                await _pipe_both(reader, writer, *ffmpeg)
        finally:
            writer.close()
            await demuxer
            if not publisher.stopped.is_set():  # the publisher stopped: what is queued still plays out
                await publisher.drained(timeout=DRAIN_TIMEOUT)
            publisher.stopped.set()
            await self._end(publisher)
            self.publishers.discard(publisher)
            self._tasks.discard(task)

    # ---------------------------------------------------------------- the FFmpeg side (a thread)

    def _demux(self, publisher: Publisher, port: int) -> None:
        url = f"rtmp://127.0.0.1:{port}/live/{PLACEHOLDER}"
        try:
            with av.logging.Capture() as logs:
                container = av.open(url, options={"listen": "1", **PROBE}, timeout=(OPEN_TIMEOUT, READ_TIMEOUT))
        except (av.error.FFmpegError, OSError) as exc:
            logger.info("rtmp ingest: no RTMP publish (%s)", exc)
            return
        with container:
            publisher.key = key_from_logs(logs) or ""
            ready = asyncio.run_coroutine_threadsafe(self._go_live(publisher, container), publisher.loop)
            try:
                if not ready.result():
                    return
                self._feed(publisher, container)
            except (av.error.FFmpegError, OSError) as exc:
                if not publisher.stopped.is_set():
                    logger.info("rtmp ingest: %s ended (%s)", publisher.label, exc)
            except Exception:  # a stream FFmpeg demuxed but we could not handle: end it, keep serving others
                logger.exception("rtmp ingest: %s failed", publisher.label)
            finally:
                for track in publisher.tracks.values():
                    publisher.loop.call_soon_threadsafe(track.end)

    def _feed(self, publisher: Publisher, container: av.container.InputContainer) -> None:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        annexb = av.bitstream.BitStreamFilterContext("h264_mp4toannexb", video) if publisher.passthrough else None
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=AUDIO_RATE, frame_size=AUDIO_FRAME)
        put = publisher.loop.call_soon_threadsafe
        samples, audio_start = 0, None
        for packet in container.demux(*(s for s in (video, audio) if s is not None)):
            if publisher.stopped.is_set():
                break
            if packet.size == 0:
                continue
            if packet.stream is video and annexb is not None:
                for unit in annexb.filter(packet):
                    unit.time_base = video.time_base
                    put(publisher.tracks["video"].put, unit, float(unit.pts * video.time_base), unit.is_keyframe)
            elif packet.stream is video:
                for frame in packet.decode():
                    put(publisher.tracks["video"].put, frame, float(frame.time), True)
            else:
                for decoded in packet.decode():
                    if audio_start is None:
                        audio_start = float(decoded.time)
                    decoded.pts = None  # the resampler numbers its 20 ms frames itself
                    for frame in resampler.resample(decoded):
                        frame.pts, frame.time_base = samples, AUDIO_TIME_BASE
                        put(publisher.tracks["audio"].put, frame, audio_start + samples / AUDIO_RATE, True)
                        samples += frame.samples

    # ---------------------------------------------------------------- the WebRTC side (the event loop)

    async def _go_live(self, publisher: Publisher, container: av.container.InputContainer) -> bool:
        """Check the key, then publish to the relay worker over WHIP. False: the publisher is dropped."""
        try:
            whip_url = await self.authenticate(publisher.key)
        except RelayError as exc:
            publisher.drop(f"refused: {exc.message}")
            return False
        video, audio = container.streams.video, container.streams.audio
        publisher.passthrough = bool(video) and can_pass_through(video[0])
        pc = publisher.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        clock = MediaClock(publisher.tracks)
        for kind, streams in (("audio", audio), ("video", video)):
            if streams:
                track = publisher.tracks[kind] = FeedTrack(kind)
                track.clock = clock
                transceiver = pc.addTransceiver(track, direction="sendonly")
                if kind == "video":
                    transceiver.setCodecPreferences(h264_codecs())

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                publisher.drop(f"the relay ended the WebRTC session ({pc.connectionState})")

        try:
            await pc.setLocalDescription(await pc.createOffer())
            headers = {"Authorization": f"Bearer {publisher.key}", "Content-Type": "application/sdp"}
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=OPEN_TIMEOUT)) as http:
                async with http.post(whip_url, data=pc.localDescription.sdp, headers=headers) as response:
                    answer = await response.text()
                    if response.status != 201:
                        raise WhipRefused(f"{response.status} {answer[:200]}")
                    location = response.headers["Location"]
                    publisher.resource = str(response.url.join(type(response.url)(location)))
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        except (TimeoutError, WhipRefused, aiohttp.ClientError, KeyError, ValueError) as exc:
            publisher.drop(f"the relay refused: {exc}")
            return False
        logger.info("rtmp ingest: %s live (%s video)", publisher.label, "passed-through" if publisher.passthrough
                    else "re-encoded")
        return True

    async def _end(self, publisher: Publisher) -> None:
        if publisher.resource is not None:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
                    async with http.delete(publisher.resource):
                        pass
        if publisher.pc is not None:
            await publisher.pc.close()


def h264_codecs() -> list:
    """aiortc's H.264 video codecs (and RTX): the relay forwards the publisher's H.264 as it is."""
    return [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType in ("video/H264", "video/rtx")]


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def connect_when_listening(
    port: int, demuxer: asyncio.Future, *, timeout: float = 5.0
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    """Connect to FFmpeg's listener as soon as it listens (None if the demuxer gave up first)."""
    deadline = time.monotonic() + timeout
    while not demuxer.done() and time.monotonic() < deadline:
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.01)
    return None


async def _pipe_both(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    ffmpeg_reader: asyncio.StreamReader,
    ffmpeg_writer: asyncio.StreamWriter,
) -> None:
    """Copy bytes both ways until either side closes, then close both."""
    pipes = [
        asyncio.create_task(_pipe(client_reader, ffmpeg_writer)),
        asyncio.create_task(_pipe(ffmpeg_reader, client_writer)),
    ]
    try:
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pipe in pipes:
            pipe.cancel()
        for writer in (client_writer, ffmpeg_writer):
            writer.close()
        await asyncio.gather(*pipes, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
