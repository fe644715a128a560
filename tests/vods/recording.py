"""A recording as the relay writes it (media_relay.sfu.hls): an HLS fMP4 session directory with
``init.mp4``, 1 s segments and a final ``index.m3u8`` (H.264 + AAC-LC 48 kHz stereo), made with PyAV from a
moving test pattern and a tone. For the vods tests and bench/vod_renditions.py."""

from __future__ import annotations

import fractions
import math
import os

import av
import numpy as np

from media_relay.sfu.hls import Segment, muxer_segments, playlist_text


def write_session(directory: str, *, seconds: float, width: int = 320, height: int = 180, fps: int = 15,
                  video: bool = True, segment_seconds: float = 1.0, started_wall: float = 1_800_000_000.0) -> list[str]:
    """Write a session under `directory`; returns its segment names (index.m3u8 lists them, ENDLIST)."""
    os.makedirs(directory, exist_ok=True)
    muxer_playlist = os.path.join(directory, "muxer.m3u8")
    container = av.open(muxer_playlist, "w", format="hls", options={
        "hls_time": str(segment_seconds), "hls_list_size": "0", "hls_segment_type": "fmp4",
        "hls_flags": "independent_segments", "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": os.path.join(directory, "seg%05d.m4s"),
    })
    vstream = None
    if video:
        vstream = container.add_stream("libx264", rate=fps, options={
            "preset": "ultrafast", "tune": "zerolatency", "g": str(round(fps * segment_seconds)),
            "keyint_min": str(round(fps * segment_seconds)), "sc_threshold": "0"})
        vstream.width, vstream.height, vstream.pix_fmt = width, height, "yuv420p"
    astream = container.add_stream("aac", rate=48000, layout="stereo")
    astream.bit_rate = 128_000
    frames = round(seconds * fps) if video else 0
    base = np.zeros((height, width, 3), dtype=np.uint8)
    base[..., 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    base[..., 2] = np.linspace(255, 0, height, dtype=np.uint8)[:, None]
    audio_frames = math.ceil(seconds * 48000 / 1024)
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(1024 * 47) / 48000)).astype(np.float32)  # 47 frames: whole cycles
    v = a = 0
    while v < frames or a < audio_frames:
        if v < frames and (a >= audio_frames or v / fps <= a * 1024 / 48000):
            picture = base.copy()
            x = (v * 4) % width
            picture[:, x:x + 16] = 255
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
            frame.pts, frame.time_base = v, fractions.Fraction(1, fps)
            for packet in vstream.encode(frame):
                container.mux(packet)
            v += 1
        else:
            chunk = tone[(a % 47) * 1024:(a % 47 + 1) * 1024]
            frame = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48000, a * 1024, fractions.Fraction(1, 48000)
            for packet in astream.encode(frame):
                container.mux(packet)
            a += 1
    for stream in (s for s in (vstream, astream) if s is not None):
        for packet in stream.encode(None):
            container.mux(packet)
    container.close()
    with open(muxer_playlist) as f:
        listed = muxer_segments(f.read())
    os.remove(muxer_playlist)
    segments, at = [], started_wall
    for duration, name in listed:
        segments.append(Segment(name, duration, at))
        at += duration
    with open(os.path.join(directory, "index.m3u8"), "w") as f:
        f.write(playlist_text(segments, first_sequence=0, target=segment_seconds, ended=True, event=True))
    return [name for _, name in listed]
