"""Clips: cut from the live edge or a VOD range (PyAV stream copy, real media), bad input, the cut task,
likes, views, trending, visibility of a clip whose VOD is private or deleted."""

from datetime import timedelta
from unittest import mock

import av
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Notification
from config.errors import ApplicationError
from streams.models import StreamStatus
from tests.accounts.factories import UserFactory
from tests.streams.factories import ChannelFactory, live_stream
from vods.clips import services
from vods.clips.cutter import CutError, clip_cut, session_timeline, timeline_end
from vods.clips.errors import ClipError
from vods.clips.selectors import clip_get_for_user, clip_visible, clips_trending
from vods.clips.sources import clip_directory
from vods.models import Clip, ClipLike, ClipStatus, VodVisibility

from .clip_world import SESSION_SECONDS, media, record, vod_of, written_session  # noqa: F401  (media: a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("vods.clips.tasks.cut_clip.delay") as delay:
        yield delay


@pytest.fixture
def w(media):  # noqa: F811
    host, viewer = UserFactory(handle="hana"), UserFactory(handle="vic")
    stream = live_stream(ChannelFactory(owner=host, slug="hana"), title="Speedrun")
    return type("W", (), {"host": host, "viewer": viewer, "stream": stream, "media": media})


def code_of(call) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code


# -- the cutter, on real media ------------------------------------------------------------------------------
def test_the_timeline_merges_the_lagging_full_playlist_with_the_live_window():
    directory = written_session(SESSION_SECONDS, False)
    index, live = (directory / "index.m3u8").read_text(), (directory / "live.m3u8").read_text()
    assert len(session_timeline(index)) == SESSION_SECONDS - 3  # index.m3u8 lags, as while live
    timeline = session_timeline(index, live)
    assert [s.name for s in timeline] == [f"seg{i:05d}.m4s" for i in range(SESSION_SECONDS)]
    assert timeline_end(timeline) == pytest.approx(SESSION_SECONDS, abs=0.1)


def test_the_last_30_seconds_are_copied_from_the_key_frame_before_the_start(tmp_path):
    directory = written_session(SESSION_SECONDS, False)
    timeline = session_timeline((directory / "index.m3u8").read_text(), (directory / "live.m3u8").read_text())
    end = timeline_end(timeline)
    result = clip_cut(read=lambda name: (directory / name).read_bytes(), timeline=timeline, start=end - 29.5,
                      end=end, out_dir=str(tmp_path))
    assert end - 30.5 <= result.start <= end - 29.5  # a key frame every second: at most 1 s early
    assert result.duration == pytest.approx(end - result.start, abs=0.1)
    with av.open(str(tmp_path / "index.m3u8")) as clip:
        assert clip.duration / 1e6 == pytest.approx(result.duration, abs=0.1)
        assert {s.type for s in clip.streams} == {"video", "audio"}
        first = next(clip.decode(video=0))
        assert (first.width, first.height) == (320, 240) and first.key_frame


def test_a_corrupt_segment_fails_the_cut_with_a_reason(tmp_path):
    directory = written_session(SESSION_SECONDS, True)
    timeline = session_timeline((directory / "index.m3u8").read_text())

    def read(name):
        return b"not media at all" if name != "init.mp4" else (directory / name).read_bytes()

    with pytest.raises(CutError, match="could not be read|no frames"):
        clip_cut(read=read, timeline=timeline, start=5, end=15, out_dir=str(tmp_path))
    with pytest.raises(CutError, match="outside"):
        clip_cut(read=read, timeline=timeline, start=100, end=110, out_dir=str(tmp_path))


# -- from the live edge ----------------------------------------------------------------------------------------
def test_a_viewer_clips_the_last_30_s_of_a_live_stream_and_the_task_cuts_it(w, no_celery, django_capture_on_commit_callbacks):
    session = record(w.stream, w.media)
    with django_capture_on_commit_callbacks(execute=True):
        clip = services.clip_create_live(actor=w.viewer, stream=w.stream)
    no_celery.assert_called_once_with(clip.pk)
    assert (clip.source_directory, clip.status, clip.title) == (session.directory, ClipStatus.QUEUED, "Speedrun")
    assert clip.start_seconds == pytest.approx(SESSION_SECONDS - 30, abs=0.1)
    assert clip_get_for_user(user=w.viewer, slug=clip.slug) == clip  # its creator sees it while it is cut
    assert not clip_visible(user=w.host, clip=clip)

    cut = services.clip_cut_run(clip_id=clip.pk)
    assert cut.status == ClipStatus.READY and cut.ready_at is not None
    assert SESSION_SECONDS - 31 <= cut.start_seconds <= SESSION_SECONDS - 30
    assert default_storage.exists(f"{clip_directory(clip.slug)}/index.m3u8")
    assert default_storage.exists(f"{clip_directory(clip.slug)}/init.mp4")
    assert services.clip_cut_run(clip_id=clip.pk) is None  # run twice: the second finds it done
    notice = Notification.objects.get()  # the host hears of it, once
    assert (notice.recipient, notice.kind, notice.data) == (w.host, "clip_created", {
        "clip": clip.slug, "title": "Speedrun", "creator": "vic"})
    assert clip_visible(user=AnonymousUser(), clip=Clip.objects.get(pk=clip.pk))


@pytest.mark.parametrize("seconds, code", [(91, ClipError.DURATION_INVALID), (4.9, ClipError.DURATION_INVALID),
                                           (0, ClipError.DURATION_INVALID), (-30, ClipError.DURATION_INVALID)])
def test_a_live_clip_is_5_to_90_seconds(w, seconds, code):
    record(w.stream, w.media)
    assert code_of(lambda: services.clip_create_live(actor=w.viewer, stream=w.stream, seconds=seconds)) == code
    assert not Clip.objects.exists()


def test_a_viewer_makes_at_most_10_clips_a_minute(w):
    record(w.stream, w.media)
    for _ in range(services.CLIPS_PER_MINUTE):
        services.clip_create_live(actor=w.viewer, stream=w.stream, seconds=5)
    with pytest.raises(ApplicationError) as caught:
        services.clip_create_live(actor=w.viewer, stream=w.stream, seconds=5)
    assert (caught.value.code, caught.value.status) == (ClipError.RATE_LIMITED, 429)
    Clip.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert services.clip_create_live(actor=w.viewer, stream=w.stream, seconds=5)  # a minute later


def test_a_live_clip_needs_a_live_stream_with_a_recording(w):
    assert code_of(lambda: services.clip_create_live(actor=w.viewer, stream=w.stream)) == ClipError.NO_RECORDING
    w.stream.status = StreamStatus.ENDED
    assert code_of(lambda: services.clip_create_live(actor=w.viewer, stream=w.stream)) == ClipError.NOT_LIVE


def test_a_young_stream_gives_what_it_has_and_under_5_s_nothing(w):
    record(w.stream, w.media, seconds=12)
    assert services.clip_create_live(actor=w.viewer, stream=w.stream, seconds=30).duration_seconds == pytest.approx(12)
    other = live_stream(ChannelFactory())
    record(other, w.media, seconds=4)
    assert code_of(lambda: services.clip_create_live(actor=w.viewer, stream=other)) == ClipError.TOO_SHORT_SO_FAR


# -- from a VOD ----------------------------------------------------------------------------------------------
def test_a_range_of_a_vod_is_clipped(w):
    vod = vod_of(w.stream, w.media)
    clip = services.clip_create_from_vod(actor=w.host, vod=vod, start=10, end=25, title="The trick")
    assert (clip.vod, clip.stream, clip.title, clip.duration_seconds) == (vod, w.stream, "The trick", 15)
    cut = services.clip_cut_run(clip_id=clip.pk)
    assert cut.status == ClipStatus.READY and 9 <= cut.start_seconds <= 10
    assert not Notification.objects.exists()  # the host clipped their own VOD: nobody to tell


@pytest.mark.parametrize("start, end, code", [
    (0, 91, ClipError.DURATION_INVALID), (10, 14, ClipError.DURATION_INVALID), (20, 10, ClipError.DURATION_INVALID),
    (-5, 10, ClipError.RANGE_OUTSIDE), (30, 45, ClipError.RANGE_OUTSIDE), (100, 110, ClipError.RANGE_OUTSIDE),
])
def test_a_vod_range_is_5_to_90_s_inside_the_vod(w, start, end, code):
    vod = vod_of(w.stream, w.media)
    assert code_of(lambda: services.clip_create_from_vod(actor=w.viewer, vod=vod, start=start, end=end)) == code


def test_a_vod_the_viewer_cannot_watch_cannot_be_clipped(w):
    vod = vod_of(w.stream, w.media, visibility=VodVisibility.PRIVATE)
    assert code_of(lambda: services.clip_create_from_vod(actor=w.viewer, vod=vod, start=0, end=10)) == ClipError.VOD_NOT_FOUND
    assert services.clip_create_from_vod(actor=w.host, vod=vod, start=0, end=10).vod == vod  # its owner may


# -- visibility ----------------------------------------------------------------------------------------------
def ready_clip(w, **fields) -> Clip:
    defaults = {"slug": f"c{Clip.objects.count()}", "creator": w.viewer, "channel": w.stream.channel,
                "stream": w.stream, "source": "live", "source_directory": "x", "title": "A clip", "start_seconds": 0,
                "duration_seconds": 30, "status": ClipStatus.READY}
    return Clip.objects.create(**{**defaults, **fields})


def test_a_clip_of_a_private_or_deleted_vod_stops_being_visible(w):
    vod = vod_of(w.stream, w.media)
    from_vod = ready_clip(w, vod=vod, source="vod")
    from_live = ready_clip(w)  # cut while live; the stream's VOD now decides
    assert clip_visible(user=AnonymousUser(), clip=from_vod) and clip_visible(user=AnonymousUser(), clip=from_live)

    vod.visibility = VodVisibility.PRIVATE
    vod.save()
    for clip in (from_vod, from_live):
        clip = clip_get_for_user(user=w.host, slug=clip.slug)  # the VOD's owner still sees them
        assert not clip_visible(user=w.viewer, clip=Clip.objects.select_related("vod", "stream__vod").get(pk=clip.pk))

    vod.delete()
    for clip in (from_vod, from_live):
        clip.refresh_from_db()
        assert clip.source_deleted_at is not None
        assert not clip_visible(user=w.host, clip=clip)
        assert code_of(lambda clip=clip: clip_get_for_user(user=w.viewer, slug=clip.slug)) == ClipError.CLIP_NOT_FOUND


def test_trending_weighs_views_and_likes_by_recency(w):
    old_popular = ready_clip(w, views=600, likes=20)  # 3 days old: (600 + 100 + 1) / 74 ^ 1.5 ≈ 1.1
    Clip.objects.filter(pk=old_popular.pk).update(created_at=timezone.now() - timedelta(days=3))
    fresh_liked = ready_clip(w, views=10, likes=8)
    fresh_viewed = ready_clip(w, views=40)
    fresh_quiet = ready_clip(w, views=1)
    ready_clip(w, status=ClipStatus.QUEUED, views=1000)  # not ready: never listed
    private = ready_clip(w, vod=vod_of(live_stream(ChannelFactory()), w.media, visibility="private"), source="vod",
                         views=1000)
    assert clips_trending(user=AnonymousUser()) == [fresh_liked, fresh_viewed, old_popular, fresh_quiet]
    assert private not in clips_trending(user=w.viewer)


def test_likes_and_views_count(w):
    clip = ready_clip(w)
    assert services.clip_like(actor=w.host, clip=clip) is True
    assert services.clip_like(actor=w.host, clip=clip) is False
    services.clip_view_count(clip=clip)
    clip.refresh_from_db()
    assert (clip.likes, clip.views) == (1, 1)
    assert services.clip_unlike(actor=w.host, clip=clip) is True
    assert services.clip_unlike(actor=w.host, clip=clip) is False
    clip.refresh_from_db()
    assert clip.likes == 0 and not ClipLike.objects.exists()


def test_the_creator_or_the_channel_owner_deletes_a_clip(w, django_capture_on_commit_callbacks):
    clip = ready_clip(w)
    stranger = UserFactory()
    assert code_of(lambda: services.clip_delete(actor=stranger, clip=clip)) == ClipError.NOT_CLIP_OWNER
    default_storage.save(f"{clip_directory(clip.slug)}/index.m3u8", ContentFile(b"#EXTM3U\n"))
    with django_capture_on_commit_callbacks(execute=True):
        services.clip_delete(actor=w.host, clip=clip)
    assert not Clip.objects.exists()
    assert not default_storage.exists(f"{clip_directory(clip.slug)}/index.m3u8")


def test_trending_is_one_query_however_many_clips_and_vods(w, django_assert_num_queries):
    vod = vod_of(live_stream(ChannelFactory()), w.media)
    for n in range(3):
        ready_clip(w, slug=f"live{n}")
        ready_clip(w, slug=f"vod{n}", vod=vod, stream=vod.stream, source="vod")
    with django_assert_num_queries(1):
        assert len(clips_trending(user=w.viewer)) == 6


def test_an_audio_only_session_is_cut_at_the_asked_time(tmp_path):
    from .hls_session import write_session

    source = tmp_path / "podcast"
    write_session(str(source), seconds=12, video=False, ended=True)
    timeline = session_timeline((source / "index.m3u8").read_text())
    result = clip_cut(read=lambda name: (source / name).read_bytes(), timeline=timeline, start=3.5, end=9.5,
                      out_dir=str(tmp_path))
    assert result.start == pytest.approx(3.5, abs=0.03) and result.duration == pytest.approx(6.0, abs=0.05)
    with av.open(str(tmp_path / "index.m3u8")) as clip:
        assert [s.type for s in clip.streams] == ["audio"]
