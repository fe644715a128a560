"""Authorization matrix for clips and watch history (vods.api.clip_urls): every endpoint × every kind of caller.

Olive owns the channel "olive": a live stream with its recording, and a public VOD of an earlier stream
(and a private one). Otto (the other user) clipped the VOD. Reading clips is public; clipping, liking and
watch history need an account; deleting a clip needs its creator or the channel's owner (not staff).
"""

from types import SimpleNamespace
from unittest import mock

import pytest

from accounts.services.tokens import api_token_create
from tests.accounts.factories import UserFactory
from tests.authz import (
    Case,
    anonymous_params,
    api_endpoints,
    assert_anonymous_refused,
    assert_api_status,
    caller,
    expect,
    matrix_params,
    perform,
)
from tests.streams.factories import ChannelFactory, live_stream
from vods.api.clip_urls import urlpatterns
from vods.clips.services import clip_like
from vods.history import watch_progress_record
from vods.models import Clip, ClipLike, ClipSource, ClipStatus, VodVisibility, WatchKind, WatchProgress

from .clip_world import media, record, vod_of  # noqa: F401  (media: a fixture)

pytestmark = pytest.mark.django_db

PUBLIC = {("api-clips", "get"), ("api-clip", "get")}
OURS = {pattern.name for pattern in urlpatterns}


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("vods.clips.tasks.cut_clip.delay"):
        yield


@pytest.fixture
def w(media):  # noqa: F811
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, owner=olive, other=UserFactory(handle="otto"), media=media)
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    channel = ChannelFactory(owner=olive, slug="olive")
    w.vod = vod_of(live_stream(channel, title="Yesterday"), media)
    w.private = vod_of(live_stream(ChannelFactory(owner=UserFactory()), title="Secret"), media,
                       visibility=VodVisibility.PRIVATE)
    w.live = live_stream(channel, title="Now")
    record(w.live, media)
    w.clip = Clip.objects.create(slug="ottos", creator=w.other, channel=channel, vod=w.vod, stream=w.vod.stream,
                                 source=ClipSource.VOD, source_directory="x", title="Otto's", start_seconds=0,
                                 duration_seconds=20, status=ClipStatus.READY)
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def everyone_watched(w):
    for user in (w.olive, w.other, w.staff):
        watch_progress_record(user=user, kind=WatchKind.VOD, vod=w.vod, position_seconds=12, is_playing=False)


def check_clip_created(source):
    def check(w, role, response):
        assert Clip.objects.get(slug=response.json()["slug"]).source == source
    return check


def check_trending(w, role, response):
    assert [row["slug"] for row in response.json()] == ["ottos"]


def check_clip(w, role, response):
    assert response.json()["playlist_url"] == "/media/clips/ottos/index.m3u8"


def check_deleted(w, role, response):
    assert not Clip.objects.filter(slug="ottos").exists()


def check_liked(w, role, response):
    assert response.json() == {"liked": True, "likes": 1} and ClipLike.objects.count() == 1


def check_unliked(w, role, response):
    assert response.json() == {"liked": False, "likes": 2}  # the two others' likes stay
    assert not ClipLike.objects.filter(user=caller(w, role)).exists()


def everyone_liked(w):
    for user in (w.olive, w.other, w.staff):
        clip_like(actor=user, clip=w.clip)


def check_history(w, role, response):
    assert [row["kind"] for row in response.json()] == ["vod"]


def check_progress(w, role, response):
    assert response.json()["position_seconds"] in (12, 30)
    assert WatchProgress.objects.filter(vod=w.vod).exists()


CL = "/clips/{w.clip.slug}"
PROGRESS = {"kind": "vod", "target_id": "{w.vod.pk}", "position_seconds": 30, "is_playing": True}
CASES = [
    Case("api-stream-clips", "post", "/streams/{w.live.pk}/clips/", expect(owner=201), data={"seconds": 20},
         check=check_clip_created(ClipSource.LIVE)),
    Case("api-vod-clips", "post", "/vods/{w.vod.pk}/clips/", expect(owner=201), data={"start": 5, "end": 15},
         check=check_clip_created(ClipSource.VOD)),
    Case("api-vod-clips", "post", "/vods/{w.private.pk}/clips/", expect(owner=404), data={"start": 5, "end": 15},
         label="post api-vod-clips of a VOD nobody here may watch"),
    Case("api-clips", "get", "/clips/", expect(200, owner=200), check=check_trending),
    Case("api-clip", "get", CL + "/", expect(200, owner=200), check=check_clip),
    Case("api-clip", "delete", CL + "/", expect(owner=204, other=204, staff=403), check=check_deleted),
    Case("api-clip-like", "post", CL + "/like/", expect(owner=200), check=check_liked),
    Case("api-clip-like", "delete", CL + "/like/", expect(owner=200), setup=everyone_liked, check=check_unliked),
    Case("api-watch-history", "get", "/me/watch-history/", expect(owner=200), setup=everyone_watched,
         check=check_history),
    Case("api-watch-progress", "get", "/me/watch-progress/?kind=vod&target_id={w.vod.pk}", expect(owner=200),
         setup=everyone_watched, check=check_progress),
    Case("api-watch-progress", "put", "/me/watch-progress/", expect(owner=200), data=PROGRESS, check=check_progress),
]


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    if case.setup:
        case.setup(w)
    if isinstance(case.data, dict):
        case = Case(**{**case.__dict__, "data": {k: v.format(w=w) if isinstance(v, str) else v
                                                  for k, v in case.data.items()}})
    response = perform(w, case, role)
    if assert_api_status(response, case.expected[role], role) and case.check:
        case.check(w, role, response)


def test_every_endpoint_is_in_the_matrix():
    in_urls = {(name, method) for name, method, _ in api_endpoints("vods") if name in OURS}
    assert len(in_urls) == 10
    assert in_urls == {(case.name, case.method) for case in CASES}


@pytest.mark.parametrize("name, method, route", [
    p for p in anonymous_params("vods") if p.values[0] in OURS and tuple(p.values[:2]) not in PUBLIC
])
def test_anonymous_is_refused_unless_public(name, method, route):
    assert_anonymous_refused(name, method, route, public=set(), fill="x")
