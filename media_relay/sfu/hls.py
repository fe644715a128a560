"""HLS egress: a live relay room written as HLS (fMP4 segments) while it is live, for viewers past the
WebRTC fan-out and for the recording (issue 13: the segments are the VOD's source rendition).

``HlsEgress(router, ...)`` taps one video producer of the room (the oldest: the host's, on a stream)
and every audio producer with ordinary consumers whose sinks only queue the RTP packet, like the recording
egress (media_relay.sfu.egress), so the forwarding loop never waits for an encoder or the disk. A
writer thread per *session* (``HlsWriter``) depacketizes and

* video: **H.264 is stream-copied** (RFC 6184 access units, Annex B; nothing decoded but the first
  key frame, once, for its size); **VP8 is transcoded** to H.264 (libx264 ``ultrafast`` /
  ``zerolatency``, one thread, an IDR forced every ``segment_seconds``);
* audio: **every** Opus producer of the room (the host's and each stage guest's voice, joining and
  leaving while the session runs) is decoded and the voices are summed into one stereo mix
  (``AudioMix``), encoded to AAC-LC (FFmpeg's ``aac``): the recording is one programme. The mix is
  encoded as far as every voice has reached, waiting at most ``MIX_WAIT`` for one behind (muted, lost,
  gone); what no voice filled is silence, so the audio track never stalls the muxer;

and muxes with FFmpeg's ``hls`` muxer (through PyAV) into a local scratch directory:
``hls_segment_type=fmp4``, ``hls_time=segment_seconds``, ``independent_segments``,
``hls_list_size=0`` (the muxer keeps every segment in its playlist). FFmpeg 8's hls muxer has no
LL-HLS parts, so latency comes from short segments (1 s by default) and the player's tuning.

Each time the muxer completes a segment, the writer hands the new files to ``write(name, data)``
(the platform's storage: local files on the embedded default, S3 in production) and deletes them
locally, then writes two playlists it builds itself (with ``EXT-X-PROGRAM-DATE-TIME`` from the
relay's wall clock at each segment's first frame):

* ``live.m3u8``: the sliding window of the last ``live_window`` segments, for players while live;
* ``index.m3u8``: every segment (``EXT-X-PLAYLIST-TYPE:EVENT``), rewritten every ``full_every``
  segments and at the end, the complete programme (the VOD source, and clips are cut from it).

At the end both get ``EXT-X-ENDLIST`` and every segment they name is in storage. A session ends when
the egress is stopped or when every producer it taps has closed; a new producer then starts a new
session (a publisher reconnecting may change resolution or codec, which one fMP4 init segment cannot
hold). ``on_event(session, op)`` reports ``started`` / ``ended``. A session whose writer failed (storage
down, a muxer error) is ended and a new one starts ``RETRY_SECONDS`` later.

Stream copy needs a key frame at every segment boundary: while the video producer is H.264 the
egress asks the publisher for one (a PLI, rate-limited by the router like every keyframe request)
when none came for ``segment_seconds``; every WebRTC viewer receives those key frames too.
"""

from __future__ import annotations

import asyncio
import fractions
import io
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from .egress import Frame, OpusDepacketizer, QueuedWriter, RecordingSink, TapPeer, Vp8Depacketizer, tap_producer
from .rtp import H264_FU_A, H264_IDR, H264_STAP_A, RawRtp

if TYPE_CHECKING:
    from .router import Consumer, Producer, Router

logger = logging.getLogger(__name__)

SEGMENT_SECONDS = 1.0
LIVE_WINDOW = 6  # segments in live.m3u8 (hls.js keeps ~3 segments behind the edge)
FULL_EVERY = 5  # segments between two rewrites of the complete playlist while live
GATHER_SECONDS = 1.0  # a session waits this long after the first producer for the other kind
CHECK_SECONDS = 0.25
RETRY_SECONDS = 5.0  # after a session failed (storage down, a muxer error), wait this long before the next
AUDIO_RATE = 48000
VIDEO_RATE = 90000
MIX_WAIT = 1.0  # seconds: a voice further behind the newest media (muted, lost, gone) is not waited for
START_CODE = b"\x00\x00\x00\x01"
H264_SPS, H264_PPS = 7, 8
X264_OPTIONS = {"preset": "ultrafast", "tune": "zerolatency", "forced-idr": "1", "threads": "1"}
Write = Callable[[str, bytes], None]


# ------------------------------------------------------------------ depacketizing (writer thread)


class H264Depacketizer:
    """RFC 6184 (packetization-mode 1) to Annex B access units: single NAL units, STAP-A, FU-A;
    an access unit ends on the marker bit. A gap drops the access unit (``lost`` counts them)."""

    def __init__(self) -> None:
        self._nals: list[bytes] = []
        self._fu: list[bytes] | None = None
        self._timestamp: int | None = None
        self._next_seq: int | None = None
        self._broken = False
        self.lost = 0

    def push(self, packet: RawRtp) -> Frame | None:
        if self._timestamp != packet.ts:
            self._nals, self._fu, self._broken, self._timestamp = [], None, False, packet.ts
        if self._next_seq is not None and packet.seq != self._next_seq:
            self._broken = True
        self._next_seq = (packet.seq + 1) & 0xFFFF
        payload = packet.payload
        if payload:
            nal_type = payload[0] & 0x1F
            if nal_type == H264_STAP_A:
                pos = 1
                while pos + 2 <= len(payload):
                    size = int.from_bytes(payload[pos:pos + 2], "big")
                    self._nals.append(payload[pos + 2:pos + 2 + size])
                    pos += 2 + size
            elif nal_type == H264_FU_A and len(payload) > 2:
                start, end = payload[1] & 0x80, payload[1] & 0x40
                if start:
                    self._fu = [bytes([(payload[0] & 0xE0) | (payload[1] & 0x1F)])]
                if self._fu is None:
                    self._broken = True
                else:
                    self._fu.append(payload[2:])
                    if end:
                        self._nals.append(b"".join(self._fu))
                        self._fu = None
            elif 1 <= nal_type <= 23:
                self._nals.append(payload)
        if not packet.marker:
            return None
        nals, broken = self._nals, self._broken
        self._nals, self._timestamp = [], None
        if broken or not nals:
            self.lost += 1
            return None
        keyframe = any(nal and nal[0] & 0x1F == H264_IDR for nal in nals)
        return Frame(b"".join(START_CODE + nal for nal in nals if nal), packet.ts, keyframe=keyframe)


def h264_parameter_sets(access_unit: bytes) -> bytes:
    """The SPS and PPS of an Annex B access unit, as Annex B (the stream's extradata)."""
    nals = [n for n in access_unit.split(START_CODE) if n and n[0] & 0x1F in (H264_SPS, H264_PPS)]
    return b"".join(START_CODE + nal for nal in nals)


class MediaClock:
    """RTP timestamps (32 bits, wrapping) to pts counted from the session's start, in the clock rate:
    the first frame's arrival after the start, then the unwrapped RTP timestamp differences."""

    def __init__(self, clock_rate: int) -> None:
        self.clock_rate = clock_rate
        self.first: int | None = None
        self.extended = 0
        self.offset = 0

    def pts(self, timestamp: int, arrival: float) -> int:
        if self.first is None:
            self.first = self.extended = timestamp
            self.offset = round(max(0.0, arrival) * self.clock_rate)
        else:
            delta = (timestamp - self.extended) & 0xFFFFFFFF
            self.extended += delta - (1 << 32) if delta >= 1 << 31 else delta
        return self.extended - self.first + self.offset


# ------------------------------------------------------------------ playlists


@dataclass(frozen=True)
class Segment:
    name: str
    duration: float
    starts_at: float  # unix time of its first frame (EXT-X-PROGRAM-DATE-TIME)


def program_date_time(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def playlist_text(segments: list[Segment], *, first_sequence: int, target: float, ended: bool,
                  event: bool) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{max(1, round(target))}",
             f"#EXT-X-MEDIA-SEQUENCE:{first_sequence}"]
    if event:
        lines.append("#EXT-X-PLAYLIST-TYPE:EVENT")
    lines += ["#EXT-X-INDEPENDENT-SEGMENTS", '#EXT-X-MAP:URI="init.mp4"']
    for segment in segments:
        lines += [f"#EXT-X-PROGRAM-DATE-TIME:{program_date_time(segment.starts_at)}",
                  f"#EXTINF:{segment.duration:.3f},", segment.name]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


_EXTINF = re.compile(r"#EXTINF:([0-9.]+),\s*\n([^#\s][^\n]*)")


def muxer_segments(text: str) -> list[tuple[float, str]]:
    """(duration, file name) of each segment FFmpeg's playlist lists."""
    return [(float(duration), name.strip()) for duration, name in _EXTINF.findall(text)]


# ------------------------------------------------------------------ the writer


class AudioMix:
    """Voices summed at their pts (48 kHz stereo s16, a running int32 sum): ``add`` a decoded frame of any
    voice, ``take`` the mix up to a pts (silence where nobody spoke). It starts at its first voice's frame
    (or where ``begin`` says: silence from there); a voice late for what was taken is dropped for that part."""

    def __init__(self) -> None:
        self.start: int | None = None  # pts of buffer[0]: everything before it was taken
        self.buffer = np.zeros((0, 2), dtype=np.int32)

    def begin(self, pts: int) -> None:
        if self.start is None:
            self.start = pts

    def add(self, pcm: np.ndarray, pts: int) -> None:
        self.begin(pts)
        offset = pts - self.start
        if offset < 0:
            pcm, offset = pcm[-offset:], 0
        end = offset + len(pcm)
        if not len(pcm):
            return
        if end > len(self.buffer):
            self.buffer = np.concatenate([self.buffer, np.zeros((end - len(self.buffer), 2), dtype=np.int32)])
        self.buffer[offset:end] += pcm

    def take(self, until: int) -> np.ndarray | None:
        if self.start is None or until <= self.start:
            return None
        count = until - self.start
        if count > len(self.buffer):
            self.buffer = np.concatenate([self.buffer, np.zeros((count - len(self.buffer), 2), dtype=np.int32)])
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        self.start = until
        return np.clip(taken, -32768, 32767).astype(np.int16)


@dataclass
class Track:
    kind: str
    codec: str  # the producer's: opus, VP8, H264
    clock: MediaClock
    depacketizer: Any
    stream: Any = None
    decoder: Any = None
    last_pts: int = -1
    fed: int = -1  # audio: the end (pts) of what was decoded into the mix


class HlsWriter(QueuedWriter):
    """One HLS session: owns the muxer, the encoders and the scratch directory; publishes through ``write``."""

    def __init__(self, session: str, tracks: list[Track], *, write: Write, started: float, started_wall: float,
                 segment_seconds: float = SEGMENT_SECONDS, live_window: int = LIVE_WINDOW,
                 full_every: int = FULL_EVERY, on_event: Callable[[str, str], Any] | None = None) -> None:
        super().__init__(f"hls-{session}")
        self.session = session
        self.tracks = tracks
        self.write = write
        self.started = started  # monotonic time of pts 0
        self.started_wall = started_wall  # the same instant in unix time
        self.segment_seconds = segment_seconds
        self.live_window = live_window
        self.full_every = full_every
        self.on_event = on_event
        self.segments: list[Segment] = []
        self.last_keyframe = started  # monotonic; read by the egress (H.264: ask for one when overdue)
        self.keyframe_wanted = False  # a video frame was lost: the egress asks the publisher for a key frame
        self._directory = tempfile.mkdtemp(prefix=f"hls-{session}-")
        self._container = None
        self._scratch = None
        self._first_pts: float | None = None  # seconds: where the muxer's first segment starts
        self._playlist_mtime = 0
        self._pending_audio: list[tuple[Track, Frame, int]] = []
        self._resampler = None
        self._audio_stream = None  # the AAC stream of the mix
        self._mix: AudioMix | None = None
        self._audio_next: int | None = None  # the next AAC sample's pts
        self._audio_origin = 0  # the session's start (pts): no audio before it
        self._newest = 0.0  # seconds: the end of the newest media seen (the mix is taken behind it)
        self._next_idr = 0
        self._full_written = 0

    @property
    def video(self) -> Track | None:
        return next((t for t in self.tracks if t.kind == "video"), None)

    @property
    def has_audio(self) -> bool:
        return any(t.kind == "audio" for t in self.tracks)

    def add_track(self, track: Track) -> int:
        """From the relay's event loop: a voice joining the session; returns its index for ``put``. Its
        decoder is made on the writer thread at its first frame."""
        self.tracks.append(track)
        return len(self.tracks) - 1

    def _cleanup(self) -> None:
        if self.error is not None and self._container is not None:
            self._container.close()  # a failed session: _finish did not close it
        if self._scratch is not None:
            self._scratch.close()
        shutil.rmtree(self._directory, ignore_errors=True)
        if self.on_event is not None and self.segments:
            self.on_event(self.session, "ended")

    # -------------------------------------------------------------- input

    def _packet(self, index: int, arrival: float, data: bytes) -> None:
        track = self.tracks[index]
        try:
            frame = track.depacketizer.push(RawRtp(data))
        except ValueError:
            return
        if frame is None:
            if track.kind == "video" and getattr(track.depacketizer, "lost", 0):
                track.depacketizer.lost = 0
                self.keyframe_wanted = True
            return
        pts = track.clock.pts(frame.timestamp, arrival - self.started)
        if pts <= track.last_pts:
            return  # a duplicate or reordered frame
        track.last_pts = pts
        if track.kind == "video":
            if frame.keyframe:
                self.last_keyframe = arrival
            if self._container is None:
                if not frame.keyframe:
                    return
                self._open(frame, pts / VIDEO_RATE)
            self._video(track, frame, pts)
            self._mix_out(pts / VIDEO_RATE)
        elif self._container is None:
            self._pending_audio.append((track, frame, pts))
            if self.video is not None:
                del self._pending_audio[:-100]  # keep ~2 s until the video's first key frame
                return
            self._open(None, pts / AUDIO_RATE)
        else:
            self._audio(track, frame, pts)
        self._publish()

    def _open(self, keyframe: Frame | None, start: float) -> None:
        """The muxer, once the video's first key frame is here (its size and parameter sets); the audio
        that came before it is dropped, so every track starts at ``start`` (seconds)."""
        self._container = av.open(os.path.join(self._directory, "muxer.m3u8"), "w", format="hls", options={
            "hls_time": str(self.segment_seconds), "hls_list_size": "0", "hls_segment_type": "fmp4",
            "hls_flags": "independent_segments+temp_file", "hls_fmp4_init_filename": "init.mp4",
            "hls_segment_filename": os.path.join(self._directory, "seg%05d.m4s"),
            "max_interleave_delta": "300000",  # never hold video back long waiting for audio
        })
        video = self.video
        if video is not None:
            if video.codec == "H264":
                size = self._h264_size(keyframe.data)
                self._scratch = av.open(io.BytesIO(), "w", format="mp4")
                stream = self._container.add_stream_from_template(self._scratch.add_stream("libx264"))
                stream.codec_context.width, stream.codec_context.height = size
                stream.codec_context.extradata = h264_parameter_sets(keyframe.data)
                stream.time_base = fractions.Fraction(1, VIDEO_RATE)
            else:
                video.decoder = av.CodecContext.create("vp8", "r")
                first = video.decoder.decode(av.Packet(keyframe.data))
                width, height = (first[0].width, first[0].height) if first else (640, 480)
                stream = self._container.add_stream("libx264", rate=30, options=dict(X264_OPTIONS))
                stream.width, stream.height, stream.pix_fmt = width - width % 2, height - height % 2, "yuv420p"
                stream.codec_context.time_base = fractions.Fraction(1, VIDEO_RATE)
            video.stream = stream
        if self.has_audio:
            self._audio_stream = self._container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            self._audio_stream.bit_rate = 128_000
            self._resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE, frame_size=1024)
            self._mix = AudioMix()
            self._audio_origin = round(start * AUDIO_RATE)
            pending, self._pending_audio = self._pending_audio, []
            for track, frame, pts in pending:
                self._audio(track, frame, pts)
        if self.on_event is not None:
            self.on_event(self.session, "started")

    @staticmethod
    def _h264_size(access_unit: bytes) -> tuple[int, int]:
        decoder = av.CodecContext.create("h264", "r")
        frames = decoder.decode(av.Packet(access_unit))
        return (frames[0].width, frames[0].height) if frames else (640, 480)

    # -------------------------------------------------------------- encoding and muxing

    def _mux(self, packets) -> None:
        for packet in packets:
            if self._first_pts is None and packet.pts is not None:
                self._first_pts = float(packet.pts * packet.time_base)
            self._container.mux(packet)

    def _video(self, track: Track, frame: Frame, pts: int) -> None:
        if track.decoder is None:  # H.264: stream copy
            packet = av.Packet(frame.data)
            packet.stream = track.stream
            packet.pts = packet.dts = pts
            packet.time_base = fractions.Fraction(1, VIDEO_RATE)
            packet.is_keyframe = frame.keyframe
            self._mux([packet])
            return
        try:
            decoded = track.decoder.decode(av.Packet(frame.data))
        except av.error.FFmpegError:
            self.keyframe_wanted = True
            return
        stream = track.stream
        for picture in decoded:
            if (picture.width, picture.height) != (stream.width, stream.height):
                picture = picture.reformat(width=stream.width, height=stream.height, format="yuv420p")
            picture.pts, picture.time_base = pts, fractions.Fraction(1, VIDEO_RATE)
            if pts >= self._next_idr:
                picture.pict_type = av.video.frame.PictureType.I
                self._next_idr = pts + round(self.segment_seconds * VIDEO_RATE)
            else:
                picture.pict_type = av.video.frame.PictureType.NONE
            self._mux(stream.encode(picture))

    def _audio(self, track: Track, frame: Frame, pts: int) -> None:
        """One voice's frame: decoded into the mix, then the mix is encoded as far as it can be. A
        session opened without audio has no AAC track to add it to (one fMP4 init segment): dropped."""
        if self._mix is None:
            return
        if track.decoder is None:
            track.decoder = av.CodecContext.create("libopus", "r")
            track.decoder.format, track.decoder.layout, track.decoder.sample_rate = "s16", "stereo", AUDIO_RATE
        packet = av.Packet(frame.data)
        packet.pts, packet.time_base = pts, fractions.Fraction(1, AUDIO_RATE)
        try:
            decoded = track.decoder.decode(packet)
        except av.error.FFmpegError:
            return
        for samples in decoded:
            self._mix.begin(max(pts, self._audio_origin))
            self._mix.add(samples.to_ndarray().reshape(-1, 2), pts)
            pts += samples.samples
        track.fed = max(track.fed, pts)
        self._mix_out(pts / AUDIO_RATE)

    def _mix_out(self, newest: float) -> None:
        """Encode the mix as far as every voice has reached; a voice more than ``MIX_WAIT`` behind the newest
        media seen is not waited for (silence where no voice was)."""
        self._newest = max(self._newest, newest)
        if self._mix is None:
            return
        floor = round((self._newest - MIX_WAIT) * AUDIO_RATE)
        if floor > self._audio_origin:  # no voice yet after MIX_WAIT (muted from the start): silence from the start
            self._mix.begin(self._audio_origin)
        waiting = [t.fed for t in self.tracks if t.kind == "audio" and t.fed > floor]
        start = self._mix.start
        pcm = self._mix.take(min(waiting) if waiting else floor)
        if pcm is None:
            return
        if self._audio_next is None:  # the AAC track starts where the mix does
            self._audio_next = start
        for start in range(0, len(pcm), 4800):
            chunk = av.AudioFrame.from_ndarray(pcm[start:start + 4800].reshape(1, -1), format="s16", layout="stereo")
            chunk.sample_rate = AUDIO_RATE
            self._encode_audio(chunk)

    def _encode_audio(self, samples) -> None:
        """The mix is contiguous from its start: the AAC frames are numbered by a running sample count."""
        for chunk in self._resampler.resample(samples):
            chunk.pts, chunk.time_base = self._audio_next, fractions.Fraction(1, AUDIO_RATE)
            self._audio_next += chunk.samples
            self._mux(self._audio_stream.encode(chunk))

    def _finish(self) -> None:
        if self._container is None:
            return
        if self._mix is not None:  # the rest of the mix, then the encoders flushed
            self._mix_out(self._newest + MIX_WAIT)
            self._mux(self._audio_stream.encode(None))
        video = self.video
        if video is not None and video.decoder is not None:
            self._mux(video.stream.encode(None))
        self._container.close()  # writes the last segment
        self._publish(ended=True)

    # -------------------------------------------------------------- publishing

    def _publish(self, *, ended: bool = False) -> None:
        """After the muxer completed a segment (its playlist changed): store the new files, then the playlists."""
        playlist = os.path.join(self._directory, "muxer.m3u8")
        try:
            mtime = os.stat(playlist).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self._playlist_mtime and not ended:
            return
        self._playlist_mtime = mtime
        with open(playlist) as f:
            listed = muxer_segments(f.read())
        if len(listed) == len(self.segments) and not ended:
            return
        if not self.segments:
            self._store("init.mp4")
        for duration, name in listed[len(self.segments):]:
            self._store(name)
            previous = self.segments[-1] if self.segments else None
            starts_at = (previous.starts_at + previous.duration if previous
                         else self.started_wall + (self._first_pts or 0.0))
            self.segments.append(Segment(name, duration, starts_at))
        target = max([s.duration for s in self.segments] + [self.segment_seconds])
        window = self.segments[-self.live_window:]
        self.write("live.m3u8", playlist_text(window, first_sequence=len(self.segments) - len(window),
                                              target=target, ended=ended, event=False).encode())
        if ended or len(self.segments) - self._full_written >= self.full_every:
            self._full_written = len(self.segments)
            self.write("index.m3u8", playlist_text(self.segments, first_sequence=0, target=target, ended=ended,
                                                   event=True).encode())

    def _store(self, name: str) -> None:
        path = os.path.join(self._directory, name)
        with open(path, "rb") as f:
            self.write(name, f.read())
        os.remove(path)


# ------------------------------------------------------------------ the relay side


def session_name() -> str:
    """Sorts by start time: ``20261207T001500Z-3fa2c1``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


class HlsSession:
    """A writer and its tap consumers (one per producer it holds)."""

    def __init__(self, egress: HlsEgress, producers: list[Producer]) -> None:
        self.egress = egress
        self.name = session_name()
        self.producers = producers
        tracks = [self._track(p) for p in producers]
        self.writer = HlsWriter(
            self.name, tracks, write=lambda name, data: egress.write(self.name, name, data),
            started=time.monotonic(), started_wall=time.time(), segment_seconds=egress.segment_seconds,
            on_event=egress.on_event,
        )
        self.consumers: list[Consumer] = []

    @staticmethod
    def _track(producer: Producer) -> Track:
        if producer.kind == "audio":
            return Track("audio", "opus", MediaClock(AUDIO_RATE), OpusDepacketizer())
        depacketizer = H264Depacketizer() if producer.codec_name == "H264" else Vp8Depacketizer()
        return Track("video", producer.codec_name, MediaClock(VIDEO_RATE), depacketizer)

    def start(self) -> None:
        self.writer.start()
        for index, producer in enumerate(self.producers):
            self.consumers.append(tap_producer(self.egress.router, self.egress, producer,
                                               RecordingSink(self.writer, index)))

    def add(self, producer: Producer) -> None:
        """A voice joining the running session."""
        self.producers.append(producer)
        index = self.writer.add_track(self._track(producer))
        self.consumers.append(tap_producer(self.egress.router, self.egress, producer,
                                           RecordingSink(self.writer, index)))

    @property
    def gone(self) -> bool:
        return all(p.closed for p in self.producers)

    @property
    def failed(self) -> bool:
        return not self.writer.is_alive() and self.writer.error is not None

    def keyframe_due(self, now: float) -> Producer | None:
        """The video producer to ask for a key frame: a lost frame, or (stream copy) none for a segment."""
        video = next((p for p in self.producers if p.kind == "video" and not p.closed), None)
        if video is None:
            return None
        due = self.egress.segment_seconds * 0.9  # the key frame comes a round trip after the request
        overdue = video.codec_name == "H264" and now - self.writer.last_keyframe >= due
        if self.writer.keyframe_wanted or overdue:
            self.writer.keyframe_wanted = False
            return video
        return None

    async def stop(self) -> None:
        for consumer in self.consumers:
            self.egress.router.close_consumer(consumer, reason="hls_stopped", notify=False)
        await self.writer.drain()


class HlsEgress(TapPeer):
    """HLS of one room, from ``start()`` to ``stop()``: a session per run of producers (see the module
    docstring). ``write(session, name, data)`` and ``on_event(session, op)`` are called on the writer
    thread. Also the tap consumers' ``peer`` (Consumer's duck type)."""

    id = "hls"
    name = "hls"

    def __init__(self, router: Router, *, write: Callable[[str, str, bytes], None],
                 on_event: Callable[[str, str], Any] | None = None, tag: str | None = None,
                 segment_seconds: float = SEGMENT_SECONDS, check_interval: float = CHECK_SECONDS) -> None:
        self.router = router
        self.tag = tag  # the platform's id for this output
        self.write = write
        self.on_event = on_event
        self.segment_seconds = segment_seconds
        self.check_interval = check_interval
        self.retry_seconds = RETRY_SECONDS
        self._retry_at = 0.0
        self.consumers: dict[str, Consumer] = {}
        self.session: HlsSession | None = None
        self.sessions: list[str] = []
        self._first_seen: float | None = None
        self._task: asyncio.Task | None = None
        self._ending: set[asyncio.Task] = set()

    def start(self) -> None:
        self.check()
        self._task = asyncio.get_running_loop().create_task(self._check_forever())

    def pick(self) -> list[Producer]:
        """The oldest open video (VP8 or H.264), then every open Opus producer of the room (the voices mixed)."""
        video = next((p for p in self.router.producers.values()
                      if not p.closed and p.kind == "video" and p.codec_name in ("VP8", "H264")), None)
        voices = [p for p in self.router.producers.values() if not p.closed and (p.kind, p.codec_name) == ("audio", "opus")]
        return ([video] if video is not None else []) + voices

    def check(self) -> None:
        now = time.monotonic()
        if self.session is not None:
            if not self.session.gone and not self.session.failed:
                for producer in self.pick():  # a voice joining (a stage guest): into the mix
                    if producer.kind == "audio" and producer not in self.session.producers:
                        self.session.add(producer)
                due = self.session.keyframe_due(now)
                if due is not None:
                    self.router.spawn(due.request_keyframe())
                return
            if self.session.failed:  # logged by the writer; a new session after a pause
                self._retry_at = now + self.retry_seconds
            self._end(self.session)
            self.session = None
        if now < self._retry_at:
            return
        producers = self.pick()
        if not producers:
            self._first_seen = None
            return
        if self._first_seen is None:
            self._first_seen = now
        if len({p.kind for p in producers}) < 2 and now - self._first_seen < GATHER_SECONDS:
            return  # the other kind usually follows within a moment (one offer, two m-lines)
        self.session = HlsSession(self, producers)
        self.sessions.append(self.session.name)
        self.session.start()

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(self.check_interval)
            self.check()

    def _end(self, session: HlsSession) -> None:
        task = asyncio.get_running_loop().create_task(session.stop())
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def stop(self) -> None:
        """End the current session (its playlists get EXT-X-ENDLIST); returns when everything is stored."""
        if self._task is not None:
            self._task.cancel()
        if self.session is not None:
            self._end(self.session)
            self.session = None
        while self._ending:
            await asyncio.gather(*self._ending)
