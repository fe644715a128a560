"""Cutting a clip out of an HLS session (fMP4: ``init.mp4`` + segments), with PyAV, by stream copy.

The relay writes every stream as an HLS session (media_relay.sfu.hls): while live, ``index.m3u8`` lists
every segment but is rewritten only every few segments, and ``live.m3u8`` lists the last few;
``session_timeline`` merges the two by media sequence, so the newest segment is known the moment it is
stored. Once the session ends ``index.m3u8`` alone is the VOD's source rendition; the same code cuts both.

``clip_cut`` concatenates the init segment and the media segments overlapping the range (an fMP4 file
whole again), finds the last video key frame at or before the range's start, and copies every packet
from there to the range's end into a new HLS rendition (``index.m3u8`` VOD playlist, ``init.mp4``,
``seg*.m4s``), timestamps moved to start at zero. Nothing is decoded or encoded: a 30 s cut takes
milliseconds of CPU, and the clip starts at most one key frame interval (the relay asks for one every
segment, 1 s) before the asked start. docs/clips.md says why not an exact re-encode.

``clip_mp4`` remuxes a clip's rendition into one MP4 file for download, by stream copy too, the index
(``moov``) first (faststart) so it plays while it downloads.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import av

INIT = "init.mp4"
PLAYLIST = "index.m3u8"
MP4 = "clip.mp4"
OUTPUT_SEGMENT_SECONDS = 4
_SEQUENCE = re.compile(r"#EXT-X-MEDIA-SEQUENCE:(\d+)")
_EXTINF = re.compile(r"#EXTINF:([0-9.]+),[^\n]*\n(?:#[^\n]*\n)*([^#\s][^\n]*)")


class CutError(Exception):
    """The session cannot give this clip (missing or corrupt media); the message says why."""


@dataclass(frozen=True)
class SegmentRef:
    name: str
    start: float  # seconds from the session's start
    duration: float


def playlist_entries(text: str) -> dict[int, tuple[str, float]]:
    """media sequence number → (segment name, duration) of one media playlist."""
    match = _SEQUENCE.search(text)
    first = int(match.group(1)) if match else 0
    return {first + i: (name.strip(), float(duration)) for i, (duration, name) in enumerate(_EXTINF.findall(text))}


def session_timeline(*playlists: str) -> list[SegmentRef]:
    """The session's segments, merged from its playlists, in order, up to the first gap."""
    entries: dict[int, tuple[str, float]] = {}
    for text in playlists:
        entries.update(playlist_entries(text))
    timeline, at = [], 0.0
    sequence = 0
    while sequence in entries:
        name, duration = entries[sequence]
        timeline.append(SegmentRef(name, at, duration))
        at += duration
        sequence += 1
    return timeline


def timeline_end(timeline: list[SegmentRef]) -> float:
    return timeline[-1].start + timeline[-1].duration if timeline else 0.0


@dataclass(frozen=True)
class CutResult:
    files: list[str]  # names written in the output directory
    start: float  # where the copy really starts in the session (the key frame), seconds
    duration: float


def clip_cut(*, read: Callable[[str], bytes], timeline: list[SegmentRef], start: float, end: float,
             out_dir: str) -> CutResult:
    """Copy [start, end) of the session (``read(name)`` gives a file of it) into an HLS rendition in ``out_dir``."""
    chosen = [s for s in timeline if s.start < end and s.start + s.duration > start]
    if not chosen:
        raise CutError("The range is outside the recording.")
    with tempfile.NamedTemporaryFile(suffix=".mp4") as joined:
        try:
            joined.write(read(INIT))
            for segment in chosen:
                joined.write(read(segment.name))
        except (FileNotFoundError, OSError) as err:
            raise CutError(f"A part of the recording is missing: {err}") from err
        joined.flush()
        try:
            return _copy(joined.name, base=chosen[0].start, start=start, end=end, out_dir=out_dir)
        except (av.FFmpegError, ValueError) as err:
            raise CutError(f"The recording could not be read: {err}") from err


def _packet_seconds(packet) -> float | None:
    return None if packet.pts is None else float(packet.pts * packet.time_base)


def _copy(path: str, *, base: float, start: float, end: float, out_dir: str) -> CutResult:
    # Pass 1, demuxing only: the first timestamp (the first chosen segment's start) and the video key frames.
    with av.open(path) as source:
        streams = [s for s in source.streams if s.type in ("video", "audio")]
        if not streams:
            raise CutError("The recording has no audio or video.")
        first, keyframes = None, []
        for packet in source.demux(streams):
            seconds = _packet_seconds(packet)
            if seconds is None:
                continue
            first = seconds if first is None else min(first, seconds)
            if packet.stream.type == "video" and packet.is_keyframe:
                keyframes.append(seconds)
    if first is None:
        raise CutError("The recording has no frames.")

    def session_time(seconds: float) -> float:
        return base + seconds - first

    if keyframes:
        before = [k for k in keyframes if session_time(k) <= start + 1e-3]
        cut_from = before[-1] if before else keyframes[0]
    else:  # audio only: every AAC frame is a key frame
        cut_from = first + max(0.0, start - base)
    # Pass 2: copy [cut_from, end) with timestamps from zero.
    playlist = os.path.join(out_dir, PLAYLIST)
    with av.open(path) as source, av.open(playlist, "w", format="hls", options={
        "hls_time": str(OUTPUT_SEGMENT_SECONDS), "hls_list_size": "0", "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4", "hls_fmp4_init_filename": INIT, "hls_flags": "independent_segments",
        "hls_segment_filename": os.path.join(out_dir, "seg%03d.m4s"),
    }) as out:
        streams = [s for s in source.streams if s.type in ("video", "audio")]
        outputs = {s.index: out.add_stream_from_template(s) for s in streams}
        last = cut_from
        for packet in source.demux(streams):
            seconds = _packet_seconds(packet)
            if seconds is None or seconds < cut_from - 1e-6 or session_time(seconds) >= end:
                continue
            shift = round(cut_from / packet.time_base)
            packet.pts -= shift
            if packet.dts is not None:
                packet.dts -= shift
            packet.stream = outputs[packet.stream.index]
            out.mux(packet)
            last = max(last, seconds + float((packet.duration or 0) * packet.time_base))
    files = sorted(name for name in os.listdir(out_dir) if name == PLAYLIST or name == INIT or name.endswith(".m4s"))
    return CutResult(files=files, start=session_time(cut_from), duration=last - cut_from)


def clip_mp4(*, read: Callable[[str], bytes], out_path: str) -> None:
    """The clip's HLS rendition (``read(name)`` gives a file of it) as one MP4 at ``out_path``."""
    try:
        names = [name for _, (name, _) in sorted(playlist_entries(read(PLAYLIST).decode()).items())]
        with tempfile.NamedTemporaryFile(suffix=".mp4") as joined:
            joined.write(read(INIT))
            for name in names:
                joined.write(read(name))
            joined.flush()
            with av.open(joined.name) as source, \
                    av.open(out_path, "w", format="mp4", options={"movflags": "+faststart"}) as out:
                streams = [s for s in source.streams if s.type in ("video", "audio")]
                outputs = {s.index: out.add_stream_from_template(s) for s in streams}
                for packet in source.demux(streams):
                    if packet.dts is None:  # the empty packet that ends each stream's demuxing
                        continue
                    packet.stream = outputs[packet.stream.index]
                    out.mux(packet)
    except (FileNotFoundError, OSError) as err:
        raise CutError(f"A part of the clip is missing: {err}") from err
    except (av.FFmpegError, ValueError) as err:
        raise CutError(f"The clip could not be read: {err}") from err
