"""A VOD's source: the HLS sessions the relay wrote for its stream's relay room (media_relay.hls_output),
read from storage: their segment lists, and the sessions as local files for the renditions job."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.files.storage import default_storage

from media_relay.hls_output import FULL_PLAYLIST, hls_sessions_of
from media_relay.sfu.hls import muxer_segments

from .models import Vod


@dataclass(frozen=True)
class SourceSession:
    directory: str  # storage prefix
    segments: list[tuple[float, str]]  # (duration, file name)
    is_final: bool  # the relay finalized it (EXT-X-ENDLIST)

    @property
    def duration(self) -> float:
        return sum(duration for duration, _ in self.segments)


def source_sessions(*, vod: Vod) -> list[SourceSession]:
    """Each session of the recording with what its index.m3u8 lists now (a session not final yet lists all
    but its last few segments: the relay rewrites it every few segments and at the end)."""
    found = []
    for session in hls_sessions_of(relay_room=vod.relay_room):
        try:
            with default_storage.open(f"{session.directory}/{FULL_PLAYLIST}") as f:
                text = f.read().decode()
        except FileNotFoundError:
            continue
        found.append(SourceSession(session.directory, muxer_segments(text),
                                   session.ended_at is not None and "#EXT-X-ENDLIST" in text))
    return [s for s in found if s.segments]


def source_download(sessions: list[SourceSession], directory: str) -> list[str]:
    """Each session as one local fragmented MP4 (init.mp4 then its segments); a segment missing from
    storage raises FileNotFoundError (a truncated recording)."""
    paths = []
    for number, session in enumerate(sessions):
        path = os.path.join(directory, f"source-{number}.mp4")
        with open(path, "wb") as out:
            for name in ["init.mp4", *(name for _, name in session.segments)]:
                with default_storage.open(f"{session.directory}/{name}") as f:
                    out.write(f.read())
        paths.append(path)
    return paths
