"""The renditions of a recording, built with PyAV (no database, no storage: local files in, local files out).

``renditions_build(sources, directory, duration=...)`` reads the recording (one fragmented MP4 per HLS
session of the stream: its ``init.mp4`` and segments end to end) once and writes, under ``directory``:

* video: one HLS fMP4 rendition per rung of ``LADDER`` at or below the source's height (1080p / 720p /
  480p; a source under 480p gets one rendition at its own height), libx264 ``X264`` with a key frame every
  ``KEYFRAME_SECONDS``, capped at the rung's bitrate; the audio (already AAC-LC from the relay) is
  stream-copied into each. A thumbnail (``thumbnail.jpg``): the frame at ``THUMBNAIL_AT`` of the duration.
* audio only (a podcast): an ``audio`` rendition, the relay's AAC-LC stream-copied into ``SEGMENT_SECONDS``
  segments, and the waveform of the whole recording as the thumbnail (``thumbnail.png``).

Every decoded frame's time reports ``progress(fraction)``. A recording that is not media, has no stream,
or decodes to much less than the expected ``duration`` (truncated) raises ``RecordingError`` with a reason,
before anything is handed out. Then ``thumbnail_ready(path)`` and, lightest first, ``rendition_ready(output)``
as each encoder is flushed and its files closed: the caller publishes each while the next is finished.

Speed (bench/vod_renditions.py, against ffmpeg's command line): the source is decoded once, with frame
threads, for every rung; each rung's scaler (libswscale, bicubic as ffmpeg's scale filter) is made once and
runs without the GIL; libx264 runs with frame threads as ffmpeg's (PyAV opens codecs with slice threads).
"""

from __future__ import annotations

import fractions
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import av
import numpy as np
from av.video.reformatter import VideoReformatter
from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Rung:
    name: str
    height: int
    bitrate: int  # the cap (maxrate); BANDWIDTH in the master playlist adds the audio


LADDER = (Rung("1080p", 1080, 5_000_000), Rung("720p", 720, 2_800_000), Rung("480p", 480, 1_200_000))
X264 = {"preset": "veryfast", "crf": "23", "profile": "high"}
KEYFRAME_SECONDS = 2
SEGMENT_SECONDS = 6
SOURCE_AUDIO_BITRATE = 128_000  # the relay's AAC (media_relay.sfu.hls)
THUMBNAIL_AT = 0.1
THUMBNAIL_WIDTH = 640
WAVEFORM_SIZE = (800, 120)
TRUNCATED_BELOW = 0.9  # decoded less than this share of the expected duration: a truncated recording
VIDEO_RATE = 90000


class RecordingError(Exception):
    """The recording cannot be built from (not media, no stream, truncated): the reason is the message."""


@dataclass
class Output:
    name: str
    width: int
    height: int
    bandwidth: int
    directory: str  # local, holds index.m3u8, init.mp4, seg*.m4s


@dataclass
class Built:
    outputs: list[Output] = field(default_factory=list)
    thumbnail: str = ""  # local path
    duration: float = 0.0
    is_audio_only: bool = False
    source_height: int | None = None


def ladder(height: int) -> list[Rung]:
    """The rungs at or below the source's height; one at its own height if it is under the lowest."""
    rungs = [rung for rung in LADDER if rung.height <= height]
    return rungs or [Rung(f"{height - height % 2}p", height - height % 2, LADDER[-1].bitrate)]


def hls_muxer(directory: str) -> av.container.OutputContainer:
    os.makedirs(directory, exist_ok=True)
    return av.open(os.path.join(directory, "index.m3u8"), "w", format="hls", options={
        "hls_time": str(SEGMENT_SECONDS), "hls_playlist_type": "vod", "hls_segment_type": "fmp4",
        "hls_fmp4_init_filename": "init.mp4", "hls_flags": "independent_segments",
        "hls_segment_filename": os.path.join(directory, "seg%05d.m4s"),
    })


def open_source(path: str) -> av.container.InputContainer:
    try:
        return av.open(path)
    except (av.error.FFmpegError, OSError) as err:
        raise RecordingError(f"The recording is not readable media ({err.__class__.__name__}).") from err


def probe(path: str) -> tuple[int | None, int | None, bool]:
    """(width, height) of the video (None, None: audio only) and whether there is audio."""
    with open_source(path) as container:
        video = next(iter(container.streams.video), None)
        has_audio = bool(container.streams.audio)
        if video is None and not has_audio:
            raise RecordingError("The recording holds neither video nor audio.")
        if video is None:
            return None, None, has_audio
        return video.codec_context.width, video.codec_context.height, has_audio


def _nothing(_) -> None:
    return None


@dataclass(frozen=True)
class Callbacks:
    progress: Callable[[float], None] = _nothing
    thumbnail_ready: Callable[[str], None] = _nothing
    rendition_ready: Callable[[Output], None] = _nothing


def renditions_build(sources: list[str], directory: str, *, duration: float,
                     callbacks: Callbacks = Callbacks()) -> Built:
    if not sources:
        raise RecordingError("The stream has no recording.")
    width, height, has_audio = probe(sources[0])
    if height is None:
        return _audio_only(sources, directory, duration=duration, callbacks=callbacks)
    return _video(sources, directory, width=width, height=height, has_audio=has_audio, duration=duration,
                  callbacks=callbacks)


def _check_complete(decoded: float, duration: float) -> None:
    if duration and decoded < duration * TRUNCATED_BELOW:
        raise RecordingError(f"The recording is truncated: {decoded:.0f} s of {duration:.0f} s decode.")


# ------------------------------------------------------------------ video


class _Encoder:
    """One rung: a libx264 encoder and its muxer (the source's AAC copied in)."""

    def __init__(self, rung: Rung, directory: str, *, width: int, height: int, audio_template) -> None:
        self.rung = rung
        self.directory = os.path.join(directory, rung.name)
        self.width = round(width * rung.height / height / 2) * 2
        self.height = rung.height
        self.container = hls_muxer(self.directory)
        options = {**X264, "maxrate": str(rung.bitrate // 1000) + "k", "bufsize": str(2 * rung.bitrate // 1000) + "k"}
        self.video = self.container.add_stream("libx264", rate=30, options=options)
        self.video.width, self.video.height, self.video.pix_fmt = self.width, self.height, "yuv420p"
        self.video.codec_context.time_base = fractions.Fraction(1, VIDEO_RATE)
        # Frame threads, as ffmpeg's command line: PyAV opens every codec with thread_type SLICE, which makes
        # libx264 use sliced threads (slower, and not the settings ffmpeg encodes with).
        self.video.codec_context.thread_type = "AUTO"
        # One scaler for the whole run (frame.reformat makes a new one, and a thread pool, per frame); bicubic
        # and one thread, as ffmpeg's scale filter. It scales without the GIL.
        self.scaler = VideoReformatter()
        self.audio = self.container.add_stream_from_template(audio_template) if audio_template is not None else None

    def encode(self, frame: av.VideoFrame | None) -> None:
        if frame is not None:
            picture = self.scaler.reformat(frame, width=self.width, height=self.height, format="yuv420p",
                                           interpolation="BICUBIC", threads=1)
            picture.pts, picture.time_base, picture.pict_type = frame.pts, frame.time_base, frame.pict_type
            frame = picture
        for packet in self.video.encode(frame):
            self.container.mux(packet)

    def copy_audio(self, packet: av.Packet, pts: int) -> None:
        copy = av.Packet(bytes(packet))
        copy.stream, copy.time_base, copy.pts, copy.dts = self.audio, packet.time_base, pts, pts
        self.container.mux(copy)

    def output(self) -> Output:
        audio = SOURCE_AUDIO_BITRATE if self.audio is not None else 0
        return Output(self.rung.name, self.width, self.height, self.rung.bitrate + audio, self.directory)


def _video(sources, directory, *, width, height, has_audio, duration, callbacks) -> Built:
    built = Built(source_height=height)
    thumbnail_at = duration * THUMBNAIL_AT
    encoders: list[_Encoder] | None = None
    offset = 0.0  # seconds: where the current source starts in the recording
    next_keyframe = 0.0
    for path in sources:
        with open_source(path) as container:
            streams = [*container.streams.video[:1], *container.streams.audio[:1]]
            streams[0].thread_type = "AUTO"  # frame threads too (PyAV decodes with slice threads only by default)
            if encoders is None:
                template = container.streams.audio[0] if has_audio and container.streams.audio else None
                encoders = [_Encoder(rung, directory, width=width, height=height, audio_template=template)
                            for rung in ladder(height)]
            start = None
            end = 0.0
            try:
                for packet in container.demux(*streams):
                    if packet.pts is None:
                        continue
                    if start is None:
                        start = float(packet.pts * packet.time_base)
                    seconds = float(packet.pts * packet.time_base) - start + offset
                    if packet.stream.type == "audio":
                        for encoder in encoders:
                            if encoder.audio is not None:
                                encoder.copy_audio(packet, round(seconds / packet.time_base))
                        continue
                    for frame in packet.decode():
                        at = float(frame.pts * frame.time_base) - start + offset
                        end = max(end, at)
                        frame.pts, frame.time_base = round(at * VIDEO_RATE), fractions.Fraction(1, VIDEO_RATE)
                        if at >= next_keyframe:
                            frame.pict_type = av.video.frame.PictureType.I
                            next_keyframe = at + KEYFRAME_SECONDS
                        else:
                            frame.pict_type = av.video.frame.PictureType.NONE
                        if not built.thumbnail and at >= thumbnail_at:
                            built.thumbnail = _thumbnail(frame, directory)
                        for encoder in encoders:
                            encoder.encode(frame)
                        if duration:
                            callbacks.progress(min(1.0, at / duration))
            except av.error.FFmpegError as err:
                raise RecordingError(f"The recording is corrupt near {end:.0f} s ({err.__class__.__name__}).") from err
            offset = end + 1 / 30
    _check_complete(offset, duration)
    built.duration = offset
    if built.thumbnail:
        callbacks.thumbnail_ready(built.thumbnail)
    for encoder in sorted(encoders, key=lambda e: e.height):  # the lightest first: the most viewers can play it
        encoder.encode(None)
        encoder.container.close()
        built.outputs.append(encoder.output())
        callbacks.rendition_ready(built.outputs[-1])
    return built


def _thumbnail(frame: av.VideoFrame, directory: str) -> str:
    path = os.path.join(directory, "thumbnail.jpg")
    height = round(frame.height * THUMBNAIL_WIDTH / frame.width / 2) * 2
    frame.reformat(width=THUMBNAIL_WIDTH, height=height, format="rgb24").to_image().save(path, quality=85)
    return path


# ------------------------------------------------------------------ audio only


def _audio_only(sources, directory, *, duration, callbacks) -> Built:
    """The relay's AAC-LC stream-copied into 6 s segments (a re-encode would only lose quality and cost ~8x
    real time), decoded once for the waveform."""
    built = Built(is_audio_only=True)
    output = os.path.join(directory, "audio")
    muxer = hls_muxer(output)
    stream = None
    buckets = np.zeros(WAVEFORM_SIZE[0], dtype=np.float32)
    offset = 0.0
    for path in sources:
        with open_source(path) as container:
            source = container.streams.audio[0]
            if stream is None:
                stream = muxer.add_stream_from_template(source)
            start = None
            end = 0.0
            try:
                for packet in container.demux(source):
                    if packet.pts is None:
                        continue
                    if start is None:
                        start = packet.pts
                    at = float((packet.pts - start) * packet.time_base) + offset
                    end = at + float((packet.duration or 0) * packet.time_base)
                    for frame in packet.decode():
                        _waveform_add(buckets, frame, at=at, duration=duration)
                    copy = av.Packet(bytes(packet))
                    copy.stream, copy.time_base = stream, packet.time_base
                    copy.pts = copy.dts = round(at / packet.time_base)
                    muxer.mux(copy)
                    if duration:
                        callbacks.progress(min(1.0, at / duration))
            except av.error.FFmpegError as err:
                raise RecordingError(f"The recording is corrupt near {end:.0f} s ({err.__class__.__name__}).") from err
            offset = end
    muxer.close()
    _check_complete(offset, duration)
    built.duration = offset
    built.thumbnail = _waveform_image(buckets, directory)
    callbacks.thumbnail_ready(built.thumbnail)
    built.outputs.append(Output("audio", 0, 0, SOURCE_AUDIO_BITRATE, output))
    callbacks.rendition_ready(built.outputs[-1])
    return built


def _waveform_add(buckets: np.ndarray, frame: av.AudioFrame, *, at: float, duration: float) -> None:
    """The frame's peak (0..1, its first channel: AAC decodes to planar float) into the buckets it spans."""
    if not duration:
        return
    peak = min(1.0, float(np.abs(np.frombuffer(frame.planes[0], dtype=np.float32, count=frame.samples)).max(initial=0.0)))
    first = min(len(buckets) - 1, int(at / duration * len(buckets)))
    last = min(len(buckets) - 1, int((at + frame.samples / frame.sample_rate) / duration * len(buckets)))
    np.maximum(buckets[first:last + 1], peak, out=buckets[first:last + 1])


def _waveform_image(buckets: np.ndarray, directory: str) -> str:
    width, height = WAVEFORM_SIZE
    image = Image.new("RGB", WAVEFORM_SIZE, (17, 24, 39))
    draw = ImageDraw.Draw(image)
    middle = height / 2
    for x, peak in enumerate(buckets):
        half = max(1.0, float(peak) * (middle - 4))
        draw.line([(x, middle - half), (x, middle + half)], fill=(129, 140, 248))
    path = os.path.join(directory, "thumbnail.png")
    image.save(path)
    return path
