"""A recorded stream: go-live and end through streams.services (STREAMS_RECORD turns HLS on), and the
relay's part played by hand: an HLS session row and its files (tests/vods/recording.py) in MEDIA_ROOT."""

from __future__ import annotations

import os
import tempfile
from unittest import mock

import pytest

from media_relay.hls_output import hls_file_store, hls_output_on, hls_session_record
from streams.selectors import relay_room_name
from streams.services import stream_end, stream_go_live
from tests.streams.factories import ChannelFactory

from .recording import write_session


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STREAMS_RECORD = True
    settings.VODS_UPLOAD_ATTEMPTS = 2
    with mock.patch("streams.tasks.notify_followers_live.delay"), \
            mock.patch("vods.tasks.process_vod.apply_async") as enqueued:
        yield enqueued


@pytest.fixture
def channel(alice):
    return ChannelFactory(owner=alice, slug="alice", name="Alice live")


def record(stream, *, seconds: float = 2.0, name: str = "20261207T000000Z-aaaaaa", **media) -> str:
    """The relay writing one session of `stream` to storage (local or S3): started, its files, ended.
    Returns its storage directory."""
    room = relay_room_name(stream.pk)
    output = hls_output_on(relay_room=room)
    session = hls_session_record(output_id=output.pk, relay_room=room, session=name, op="started")
    with tempfile.TemporaryDirectory() as scratch:
        write_session(scratch, seconds=seconds, **media)
        for file in sorted(os.listdir(scratch)):
            with open(os.path.join(scratch, file), "rb") as f:
                hls_file_store(relay_room=room, session=name, name=file, data=f.read())
    hls_session_record(output_id=output.pk, relay_room=room, session=name, op="ended")
    return session.directory


@pytest.fixture
def recorded(channel, commit):
    """Factory: a stream that went live, was recorded (`record` keyword arguments) and ended; its Vod."""

    def make(**media):
        with commit():
            stream = stream_go_live(actor=channel.owner, channel=channel, title="Chess night")
        record(stream, **media)
        with commit():
            stream_end(actor=channel.owner, stream=stream)
        stream.refresh_from_db()
        return stream.vod

    return make
