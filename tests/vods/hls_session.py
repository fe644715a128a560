"""A live-like HLS session written with PyAV, in the relay's layout (media_relay.sfu.hls): ``init.mp4``,
1 s fMP4 segments ``seg%05d.m4s`` (H.264 from FFmpeg's test pattern with a key frame each second, AAC
from a sine), ``live.m3u8`` (the last 6 segments) and ``index.m3u8`` (every segment but the newest few,
as while live, or every segment with EXT-X-ENDLIST once ``ended``). For clip tests, the bench and the
browser test, without a relay."""

from __future__ import annotations

import fractions
import os
import tempfile
import time

import av

from media_relay.sfu.hls import LIVE_WINDOW, Segment, muxer_segments, playlist_text

RATE = 30
AUDIO_RATE = 48000


def write_session(directory: str, *, seconds: int, size: tuple[int, int] = (320, 240), ended: bool = False,
                  index_behind: int = 3, video: bool = True) -> list[Segment]:
    """Write ``seconds`` of media (audio only unless ``video``) as an HLS session in ``directory``; returns
    its segments."""
    os.makedirs(directory, exist_ok=True)
    width, height = size
    with tempfile.TemporaryDirectory() as scratch:
        muxer = os.path.join(scratch, "muxer.m3u8")
        with av.open(muxer, "w", format="hls", options={
                "hls_time": "1", "hls_list_size": "0", "hls_segment_type": "fmp4",
                "hls_fmp4_init_filename": "init.mp4", "hls_flags": "independent_segments",
                "hls_segment_filename": os.path.join(directory, "seg%05d.m4s")}) as out:
            picture = None
            if video:
                picture = out.add_stream("libx264", rate=RATE, options={
                    "preset": "ultrafast", "tune": "zerolatency", "g": str(RATE), "keyint_min": str(RATE)})
                picture.width, picture.height, picture.pix_fmt = width, height, "yuv420p"
            sound = out.add_stream("aac", rate=AUDIO_RATE, layout="mono")
            frames = _test_pattern(seconds, width, height) if video else (None for _ in range(seconds * RATE))
            samples = 0
            for index, frame in enumerate(frames):
                if picture is not None:
                    frame.pts, frame.time_base = index, fractions.Fraction(1, RATE)
                    for packet in picture.encode(frame):
                        out.mux(packet)
                while samples < (index + 1) * AUDIO_RATE // RATE:
                    out.mux(sound.encode(_tone(samples)))
                    samples += 1024
            if picture is not None:
                out.mux(picture.encode(None))
            out.mux(sound.encode(None))
        os.replace(os.path.join(scratch, "init.mp4"), os.path.join(directory, "init.mp4"))
        with open(muxer) as f:
            listed = muxer_segments(f.read())
    started = time.time() - sum(d for d, _ in listed)
    segments, at = [], started
    for duration, name in listed:
        segments.append(Segment(name, duration, at))
        at += duration
    window = segments[-LIVE_WINDOW:]
    full = segments if ended else segments[:max(0, len(segments) - index_behind)]
    with open(os.path.join(directory, "live.m3u8"), "w") as f:
        f.write(playlist_text(window, first_sequence=len(segments) - len(window), target=1, ended=ended, event=False))
    with open(os.path.join(directory, "index.m3u8"), "w") as f:
        f.write(playlist_text(full, first_sequence=0, target=1, ended=ended, event=True))
    return segments


def _test_pattern(seconds: int, width: int, height: int):
    with av.open(f"testsrc2=size={width}x{height}:rate={RATE}:duration={seconds}", format="lavfi") as source:
        for frame in source.decode(video=0):
            yield frame.reformat(format="yuv420p")


def _tone(first_sample: int) -> av.AudioFrame:
    import numpy

    t = (numpy.arange(first_sample, first_sample + 1024) / AUDIO_RATE).astype("float32")
    frame = av.AudioFrame.from_ndarray((0.2 * numpy.sin(2 * numpy.pi * 440 * t)).reshape(1, -1), format="fltp",
                                       layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, first_sample, fractions.Fraction(1, AUDIO_RATE)
    return frame
