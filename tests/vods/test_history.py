"""Watch history: resume points for streams, VODs and clips, and the watch time they credit through
gamification with the rooms' rules (the gap limit, the hourly XP step and its daily cap)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from gamification.models import DailyActivity, XpEntry
from gamification.rules import RULES, Reason
from rooms.services.watch import MAX_GAP
from tests.accounts.factories import UserFactory
from tests.streams.factories import ChannelFactory, live_stream
from vods.clips.errors import ClipError
from vods.history import watch_history_list, watch_progress_get, watch_progress_record
from vods.models import Clip, ClipStatus, Vod, VodStatus, VodVisibility, WatchKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    viewer = UserFactory(timezone="UTC")
    stream = live_stream(ChannelFactory())
    vod = Vod.objects.create(channel=stream.channel, title="Yesterday", status=VodStatus.READY)
    clip = Clip.objects.create(slug="clip1", creator=viewer, channel=stream.channel, source="live", title="Wow",
                               source_directory="x", start_seconds=0, duration_seconds=30, status=ClipStatus.READY)
    return type("W", (), {"viewer": viewer, "stream": stream, "vod": vod, "clip": clip})


def watch_seconds(user) -> int:
    return sum(DailyActivity.objects.filter(user=user).values_list("watch_seconds", flat=True))


def test_the_resume_point_is_saved_and_read_back_across_devices(w):
    t0 = timezone.now()
    watch_progress_record(user=w.viewer, kind=WatchKind.VOD, vod=w.vod, position_seconds=10, is_playing=True,
                          duration_seconds=3600, now=t0)
    watch_progress_record(user=w.viewer, kind=WatchKind.VOD, vod=w.vod, position_seconds=42.5, is_playing=False,
                          now=t0 + timedelta(seconds=30))
    row = watch_progress_get(user=w.viewer, kind=WatchKind.VOD, vod=w.vod)
    assert (row.position_seconds, row.duration_seconds, row.watched_seconds) == (42.5, 3600, 30)
    assert watch_progress_get(user=UserFactory(), kind=WatchKind.VOD, vod=w.vod) is None


def test_streams_vods_and_clips_each_have_their_entry_newest_first(w):
    t0 = timezone.now()
    watch_progress_record(user=w.viewer, kind=WatchKind.STREAM, stream=w.stream, position_seconds=0, is_playing=True, now=t0)
    watch_progress_record(user=w.viewer, kind=WatchKind.CLIP, clip=w.clip, position_seconds=3, is_playing=True,
                          now=t0 + timedelta(seconds=1))
    watch_progress_record(user=w.viewer, kind=WatchKind.VOD, vod=w.vod, position_seconds=5, is_playing=True,
                          now=t0 + timedelta(seconds=2))
    assert [row.kind for row in watch_history_list(user=w.viewer)] == ["vod", "clip", "stream"]


def test_only_playing_time_with_short_gaps_is_credited_to_gamification(w):
    t0 = timezone.now()

    def report(seconds_later, playing=True):
        return watch_progress_record(user=w.viewer, kind=WatchKind.STREAM, stream=w.stream, position_seconds=0,
                                     is_playing=playing, now=t0 + timedelta(seconds=seconds_later))

    report(0)
    assert XpEntry.objects.filter(user=w.viewer, reason=Reason.FIRST_WATCH).count() == 1  # the day's first watch
    report(25)  # 25 s playing
    report(25 + MAX_GAP.total_seconds() + 1)  # the laptop slept: nothing
    report(200, playing=False)  # 84 s playing, then paused
    report(260)  # paused for 60 s: nothing
    assert report(261).watched_seconds == watch_seconds(w.viewer) == 25 + 84 + 1


def test_an_hour_of_vod_watching_earns_the_watch_xp_step_up_to_the_rooms_daily_cap(w):
    t0 = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    cap = RULES[Reason.WATCH].daily_cap

    def watch_a_minute_from(already: int, minute: int):
        DailyActivity.objects.update_or_create(user=w.viewer, day=t0.date(), defaults={"watch_seconds": already})
        for seconds in (0, 60):
            watch_progress_record(user=w.viewer, kind=WatchKind.VOD, vod=w.vod, position_seconds=seconds,
                                  is_playing=True, now=t0 + timedelta(minutes=minute, seconds=seconds))

    watch_a_minute_from(3600 - 30, 0)  # the first hour completes: its XP
    assert XpEntry.objects.filter(user=w.viewer, reason=Reason.WATCH).count() == 1
    watch_a_minute_from(cap * 3600 - 30, 5)  # the last hour under the cap completes: its XP
    watch_a_minute_from((cap + 1) * 3600 - 30, 10)  # one past the cap: none
    assert XpEntry.objects.filter(user=w.viewer, reason=Reason.WATCH).count() == 2


def test_progress_on_something_the_viewer_cannot_watch_is_refused(w):
    w.vod.visibility = VodVisibility.PRIVATE
    w.vod.save()
    for call in (lambda: watch_progress_record(user=w.viewer, kind=WatchKind.VOD, vod=w.vod, position_seconds=1,
                                               is_playing=True),
                 lambda: watch_progress_record(user=w.viewer, kind=WatchKind.CLIP, vod=w.vod, position_seconds=1,
                                               is_playing=True)):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == ClipError.WATCH_TARGET_INVALID


def test_the_history_list_is_one_query(w, django_assert_num_queries):
    watch_progress_record(user=w.viewer, kind=WatchKind.STREAM, stream=w.stream, position_seconds=0, is_playing=True)
    watch_progress_record(user=w.viewer, kind=WatchKind.VOD, vod=w.vod, position_seconds=0, is_playing=True)
    watch_progress_record(user=w.viewer, kind=WatchKind.CLIP, clip=w.clip, position_seconds=0, is_playing=True)
    with django_assert_num_queries(1):
        rows = watch_history_list(user=w.viewer)
        assert [r.clip.slug if r.clip else (r.vod or r.stream).channel.pk for r in rows][0] == "clip1"
