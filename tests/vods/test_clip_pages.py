"""Pages: the clip page (player, likes, views, share link, channel), trending clips, the stream page's Clip button."""

from unittest import mock

import pytest

from tests.accounts.factories import UserFactory
from tests.streams.factories import ChannelFactory, live_stream
from vods.models import Clip, ClipStatus

from .clip_world import media, record  # noqa: F401  (media: a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("vods.clips.tasks.cut_clip.delay"):
        yield


@pytest.fixture
def stream():
    return live_stream(ChannelFactory(name="Hana live", slug="hana"), title="Speedrun")


def a_clip(stream, creator, **fields) -> Clip:
    return Clip.objects.create(**{"slug": "wow1", "creator": creator, "channel": stream.channel, "stream": stream,
                                  "source": "live", "source_directory": "x", "title": "Wow", "start_seconds": 3,
                                  "duration_seconds": 30, "status": ClipStatus.READY, **fields})


def test_the_clip_page_plays_it_and_counts_the_view(client, stream):
    a_clip(stream, UserFactory(handle="vic"), likes=3)
    page = client.get("/clip/wow1/").content.decode()
    assert 'data-src="/media/clips/wow1/index.m3u8"' in page
    assert 'href="/c/hana/"' in page and "clipped by @vic" in page
    assert 'value="http://testserver/clip/wow1/"' in page  # the share link
    assert '<span data-clip-likes>3</span>' in page and 'title="Sign in to like"' in page
    assert Clip.objects.get(slug="wow1").views == 1


def test_a_clip_being_cut_shows_only_to_its_creator(client, stream):
    creator = UserFactory()
    a_clip(stream, creator, status=ClipStatus.QUEUED)
    assert client.get("/clip/wow1/").status_code == 404
    client.force_login(creator)
    page = client.get("/clip/wow1/").content.decode()
    assert "data-clip-waiting" in page and "data-src" not in page
    assert Clip.objects.get(slug="wow1").views == 0


def test_the_clip_button_clips_the_last_30_s_and_opens_the_clip(client, stream, media):  # noqa: F811
    record(stream, media)
    viewer = UserFactory()
    client.force_login(viewer)
    assert 'data-clip-button' in client.get(f"/s/{stream.pk}/").content.decode()
    response = client.post(f"/s/{stream.pk}/clip/")
    clip = Clip.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clip/{clip.slug}/"
    assert (clip.creator, clip.duration_seconds) == (viewer, 30)


def test_the_clip_button_explains_a_refusal(client, stream):
    client.force_login(UserFactory())
    response = client.post(f"/s/{stream.pk}/clip/", follow=True)
    assert "no recording to clip yet" in response.content.decode()
    assert not Clip.objects.exists()


def test_signed_out_viewers_are_asked_to_sign_in(client, stream):
    assert "data-clip-button" not in client.get(f"/s/{stream.pk}/").content.decode()
    assert client.post(f"/s/{stream.pk}/clip/").status_code == 302 and not Clip.objects.exists()


def test_trending_clips_page(client, stream):
    a_clip(stream, UserFactory())
    assert 'data-clip-card="wow1"' in client.get("/clips/").content.decode()


def test_the_vod_clip_form_clips_a_range_and_explains_a_refusal(client, stream, media):  # noqa: F811
    from django.contrib.messages import get_messages
    from django.template import Context, Template

    from .clip_world import vod_of

    vod = vod_of(stream, media)
    form = Template('{% include "vods/_vod_clip_form.html" %}').render(Context({"vod": vod, "csrf_token": "t"}))
    assert f'action="/v/{vod.pk}/clip/"' in form
    client.force_login(UserFactory())
    for data, said in (({"start": "nan", "end": "10"}, "Say where the clip starts and ends, in seconds."),
                       ({"start": "5", "end": "100"}, "A clip is 5 to 90 seconds long.")):
        response = client.post(f"/v/{vod.pk}/clip/", data)
        assert response["Location"] == f"/v/{vod.pk}/"  # back to the VOD page, which shows the message
        assert [str(m) for m in get_messages(response.wsgi_request)][-1] == said  # (unread ones pile up)
    assert not Clip.objects.exists()
    response = client.post(f"/v/{vod.pk}/clip/", {"start": "5", "end": "15", "title": "Nice"})
    clip = Clip.objects.get()
    assert response["Location"] == f"/clip/{clip.slug}/" and (clip.vod, clip.title) == (vod, "Nice")


def test_the_watch_history_page_lists_what_you_watched_with_resume_points(client, stream):
    from vods.history import watch_progress_record
    from vods.models import WatchKind

    viewer = UserFactory()
    clip = a_clip(stream, viewer)
    watch_progress_record(user=viewer, kind=WatchKind.CLIP, clip=clip, position_seconds=12.4, duration_seconds=30,
                          is_playing=False)
    assert client.get("/history/").status_code == 302  # sign in first
    client.force_login(viewer)
    page = client.get("/history/").content.decode()
    assert 'href="/clip/wow1/">Wow</a>' in page and "left at 12 s of 30 s" in page
