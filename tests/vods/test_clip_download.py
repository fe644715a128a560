"""A clip downloads as one MP4 (stream copy of its rendition, moov first), for anyone who can see the clip:
the file is opened with PyAV as a player would."""

from pathlib import Path
from unittest import mock

import av
import pytest

from tests.accounts.factories import UserFactory
from tests.streams.factories import ChannelFactory, live_stream
from vods.clips import services
from vods.models import Clip, ClipStatus, VodVisibility

from .clip_world import media, vod_of  # noqa: F401  (media: a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("vods.clips.tasks.cut_clip.delay"):
        yield


@pytest.fixture
def host():
    return UserFactory(handle="hana")


def cut_clip(host, media_root, *, visibility=VodVisibility.PUBLIC) -> Clip:  # noqa: F811
    vod = vod_of(live_stream(ChannelFactory(owner=host, slug="hana"), title="Speedrun"), media_root,
                 visibility=visibility)
    clip = services.clip_create_from_vod(actor=host, vod=vod, start=10, end=25, title="The trick")
    return services.clip_cut_run(clip_id=clip.pk)


def downloaded(client, clip: Clip, media_root: Path) -> Path:  # noqa: F811
    response = client.get(f"/clip/{clip.slug}/download/")
    assert response.status_code == 302 and response["Location"] == f"/media/clips/{clip.slug}/clip.mp4"
    assert response["Cache-Control"] == "private, no-store"
    return media_root / "clips" / clip.slug / "clip.mp4"


def test_a_clip_downloads_as_an_mp4_that_plays(client, host, media):  # noqa: F811
    clip = cut_clip(host, media)
    assert clip.status == ClipStatus.READY
    page = client.get(f"/clip/{clip.slug}/").content.decode()  # anyone: the VOD is public
    assert f'href="/clip/{clip.slug}/download/" download="the-trick-{clip.slug}.mp4"' in page

    path = downloaded(client, clip, media)
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: plays while it downloads
    with av.open(str(path)) as container:
        assert "mp4" in container.format.name
        assert {s.type for s in container.streams} == {"video", "audio"}
        assert container.duration / av.time_base == pytest.approx(clip.duration_seconds, abs=0.5)
        video = container.streams.video[0]
        assert (video.codec_context.name, video.codec_context.width) == ("h264", 320)
        frames = list(container.decode(video=0))
        assert frames[0].key_frame and len(frames) == pytest.approx(clip.duration_seconds * video.average_rate, abs=3)

    with mock.patch("vods.clips.services.clip_mp4") as remux:  # made once, then served from storage
        assert downloaded(client, clip, media) == path
    remux.assert_not_called()


def test_only_those_who_can_see_the_clip_download_it(client, host, media):  # noqa: F811
    clip = cut_clip(host, media, visibility=VodVisibility.PRIVATE)
    assert client.get(f"/clip/{clip.slug}/download/").status_code == 404  # anonymous
    client.force_login(UserFactory())
    assert client.get(f"/clip/{clip.slug}/download/").status_code == 404  # a viewer of no private VOD
    client.force_login(host)  # the owner
    assert downloaded(client, clip, media).exists()


def test_a_clip_still_being_cut_has_nothing_to_download(client, host, media):  # noqa: F811
    vod = vod_of(live_stream(ChannelFactory(owner=host, slug="hana"), title="Speedrun"), media)
    clip = services.clip_create_from_vod(actor=host, vod=vod, start=10, end=25)
    client.force_login(host)  # its creator sees the page while it is cut
    assert "data-clip-download" not in client.get(f"/clip/{clip.slug}/").content.decode()
    response = client.get(f"/clip/{clip.slug}/download/", follow=True)
    assert response.redirect_chain == [(f"/clip/{clip.slug}/", 302)]
    assert "This clip is not ready to download." in response.content.decode()
