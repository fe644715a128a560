"""Helpers of the clip and watch-history tests: media storage in tmp_path, and a stream whose relay
session (tests/vods/hls_session.py, written once per run and copied) is in it, live or ended."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone

from media_relay.models import HlsOutput, HlsSession
from streams.models import Stream, StreamStatus
from streams.selectors import relay_room_name
from vods.models import Vod, VodStatus, VodVisibility

from .hls_session import write_session

SESSION_SECONDS = 40


@functools.cache
def written_session(seconds: int, ended: bool) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="wt-clip-session-"))
    write_session(str(directory), seconds=seconds, ended=ended)
    return directory


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def record(stream: Stream, media_root: Path, *, ended: bool = False, seconds: int = SESSION_SECONDS) -> HlsSession:
    """The stream's relay room has an HLS session of ``seconds`` in storage, still written (live) or complete."""
    relay_room = relay_room_name(stream.pk)
    output = HlsOutput.objects.create(relay_room=relay_room, stopped_at=timezone.now() if ended else None)
    name = f"20261207T000000Z-{stream.pk:06x}"
    directory = f"live/{relay_room}/{name}"
    shutil.copytree(written_session(seconds, ended), media_root / directory)
    return HlsSession.objects.create(output=output, name=name, directory=directory,
                                     ended_at=timezone.now() if ended else None)


def vod_of(stream: Stream, media_root: Path, *, visibility: str = VodVisibility.PUBLIC,
           seconds: int = SESSION_SECONDS) -> Vod:
    """The stream ended and its VOD is ready: its source is the stream's complete session."""
    Stream.objects.filter(pk=stream.pk).update(status=StreamStatus.ENDED, ended_at=timezone.now())
    stream.refresh_from_db()
    record(stream, media_root, ended=True, seconds=seconds)
    return Vod.objects.create(channel=stream.channel, stream=stream, title=f"VOD of {stream.title}",
                              status=VodStatus.READY, visibility=visibility, duration_seconds=seconds)
