"""Watch together after the fact (vods.clips.room_source): a VOD or clip link of this site queued in a
watch-party room plays as a seekable HLS item; only what anyone may watch resolves."""

import pytest

from rooms.errors import PlaybackError
from rooms.services.membership import room_create
from rooms.services.playback import playback_command
from rooms.sources import Source, SourceKind, parse_source
from tests.accounts.factories import UserFactory
from tests.rooms.conftest import refused
from tests.streams.factories import ChannelFactory, live_stream
from vods.models import Clip, ClipStatus, VodVisibility

from .clip_world import media, vod_of  # noqa: F401  (media: a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def vod(media):  # noqa: F811
    stream = live_stream(ChannelFactory(name="Alice plays", slug="alice-plays"), title="Speedrun")
    return vod_of(stream, media)


def a_clip(vod, **fields) -> Clip:
    return Clip.objects.create(**{"slug": "wow1", "creator": UserFactory(), "channel": vod.channel, "vod": vod,
                                  "stream": vod.stream, "source": "vod", "source_directory": "x", "title": "Wow",
                                  "start_seconds": 3, "duration_seconds": 20, "status": ClipStatus.READY, **fields})


@pytest.mark.parametrize("link", ["/v/{id}/", "/v/{id}", "http://localhost/v/{id}/"])
def test_a_vod_link_is_an_hls_source_of_its_recording(vod, link):
    source = parse_source(link.format(id=vod.pk))
    assert source.kind == SourceKind.HLS and source.media_id == f"vod:{vod.pk}"
    assert source.url.startswith("/media/live/stream-") and source.url.endswith("/index.m3u8")
    assert source.title == "VOD of Speedrun · Alice plays"


def test_a_clip_link_is_an_hls_source_of_the_clip(vod):
    a_clip(vod)
    assert parse_source("http://localhost/clip/wow1/") == Source(SourceKind.HLS, "/media/clips/wow1/index.m3u8",
                                                                "clip:wow1", title="Wow · Alice plays")


def test_a_room_on_a_vod_is_seekable_like_any_hls_item(vod):
    owner = UserFactory()
    room = room_create(creator=owner, name="Rewatch", source_url=f"/v/{vod.pk}/")
    assert (room.source_kind, room.source_media_id) == (SourceKind.HLS, f"vod:{vod.pk}")
    room = playback_command(actor=owner, room=room, action="seek", position=42.0)
    assert room.position == pytest.approx(42.0, abs=0.5)


@pytest.mark.parametrize("case", ["private vod", "unknown vod", "unknown clip", "clip not ready", "clip of private vod"])
def test_what_not_everyone_may_watch_is_refused(vod, case):
    link = {"unknown vod": "/v/987654/", "unknown clip": "/clip/nope/"}.get(case, f"/v/{vod.pk}/")
    if case == "private vod" or case == "clip of private vod":
        vod.visibility = VodVisibility.PRIVATE
        vod.save()
    if "clip" in case and case != "unknown clip":
        a_clip(vod, status=ClipStatus.QUEUED if case == "clip not ready" else ClipStatus.READY)
        link = "/clip/wow1/"
    with refused(PlaybackError.LIVE_SOURCE_NOT_FOUND, 404):
        parse_source(link)
