"""Races on PostgreSQL (real threads released by a barrier, one connection each): 20 likes of one clip by
one user at once add exactly one like; the cut task run twice at once cuts once; two devices reporting a
first watch at once make one history entry."""

from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.races import outcome, run_together
from tests.streams.factories import ChannelFactory, live_stream
from vods.clips import services
from vods.clips.selectors import clip_visible
from vods.history import watch_progress_record
from vods.models import Clip, ClipLike, ClipStatus, WatchKind, WatchProgress

from .clip_world import media, record  # noqa: F401  (media: a fixture)

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("vods.clips.tasks.cut_clip.delay"):
        yield


def a_clip(**fields) -> Clip:
    channel = ChannelFactory()
    return Clip.objects.create(slug="racer", creator=channel.owner, channel=channel, source="live",
                               source_directory="x", title="Race", start_seconds=0, duration_seconds=30, **fields)


@pytest.mark.parametrize("round_", range(2))
def test_20_concurrent_likes_by_one_user_add_exactly_one(round_):
    clip, fan = a_clip(status=ClipStatus.READY), UserFactory()
    results = run_together([lambda: services.clip_like(actor=fan, clip=clip) for _ in range(20)])
    assert [outcome(r) for r in results] == ["ok"] * 20
    assert sorted(value for _, value in results) == [False] * 19 + [True]
    assert ClipLike.objects.filter(clip=clip).count() == 1
    clip.refresh_from_db()
    assert clip.likes == 1


def test_the_cut_task_run_twice_at_once_cuts_once(media):  # noqa: F811
    stream = live_stream(ChannelFactory())
    record(stream, media)
    clip = services.clip_create_live(actor=UserFactory(), stream=stream, seconds=10)
    results = run_together([lambda: services.clip_cut_run(clip_id=clip.pk) for _ in range(2)])
    assert sorted((value is None) for _, value in results) == [False, True]  # one cut it, the other found it taken
    clip.refresh_from_db()
    assert clip.status == ClipStatus.READY and clip_visible(user=AnonymousUser(), clip=clip)


def test_two_devices_starting_to_watch_at_once_make_one_entry():
    stream, viewer = live_stream(ChannelFactory()), UserFactory()
    results = run_together([
        lambda: watch_progress_record(user=viewer, kind=WatchKind.STREAM, stream=stream, position_seconds=1,
                                      is_playing=True) for _ in range(4)])
    assert [outcome(r) for r in results] == ["ok"] * 4
    assert WatchProgress.objects.filter(user=viewer).count() == 1
