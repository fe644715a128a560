"""WebRTC or HLS (streams.playback): the viewer-mode decision, the HLS switch at go-live and end, the detail's
playlist URL and the viewer's request for HLS."""

from unittest import mock

import pytest
from django.utils import timezone

from config.audience import Figures
from config.errors import ApplicationError
from media_relay.events import hls_group
from media_relay.hls_output import hls_session_record
from media_relay.models import HlsOutput
from streams import playback, services

from .factories import ChannelFactory, StreamFactory, live_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(alice):
    return ChannelFactory(owner=alice, name="Alice live", slug="alice")


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield


def hls_on(stream) -> bool:
    return HlsOutput.objects.filter(relay_room=f"stream-{stream.pk}", stopped_at__isnull=True).exists()


def watching(monkeypatch, current: int) -> None:
    """The stream's audience as config.audience counts it (tests/test_audience.py covers the counting)."""
    monkeypatch.setattr(playback, "stream_viewers", lambda stream: Figures(current, current, current))


def test_viewers_watch_over_webrtc_until_the_cap_then_get_hls(channel, settings, monkeypatch):
    settings.STREAMS_WEBRTC_VIEWER_CAP = 3
    stream = live_stream(channel)
    watching(monkeypatch, 2)
    assert playback.stream_playback(stream=stream)["mode"] == "webrtc"
    watching(monkeypatch, 3)
    assert playback.stream_playback(stream=stream)["mode"] == "hls"  # the cap reached: the next viewer gets HLS
    watching(monkeypatch, 2)
    assert playback.stream_playback(stream=stream)["mode"] == "webrtc"


def test_no_cap_means_webrtc_for_everyone(channel, settings, monkeypatch):
    settings.STREAMS_WEBRTC_VIEWER_CAP = 0
    stream = live_stream(channel)
    watching(monkeypatch, 6)
    assert playback.stream_playback(stream=stream) == {"mode": "webrtc", "hls_url": None, "webrtc_timeout_ms": 8000}


def test_going_live_turns_hls_on_and_ending_turns_it_off(channel, settings, published, commit):
    settings.STREAMS_HLS = "always"
    with commit():
        stream = services.stream_go_live(actor=channel.owner, channel=channel, title="On air")
    assert hls_on(stream)
    assert [e["op"] for e in published.to(hls_group(f"stream-{stream.pk}"))] == ["on"]
    with commit():
        services.stream_end(actor=channel.owner, stream=stream)
    assert not hls_on(stream) and HlsOutput.objects.get().stopped_at is not None
    assert [e["op"] for e in published.to(hls_group(f"stream-{stream.pk}"))] == ["on", "off"]


def test_on_demand_waits_for_the_first_viewer_who_needs_hls(channel, settings, published, commit):
    settings.STREAMS_HLS = "on_demand"
    settings.STREAMS_RECORD = False  # recording would turn HLS on at the go-live
    with commit():
        stream = services.stream_go_live(actor=channel.owner, channel=channel, title="On air")
    assert not hls_on(stream)
    for _ in range(2):  # twice: one output
        with commit():
            assert playback.stream_hls_request(stream=stream)["mode"] == "hls"
    assert hls_on(stream) and HlsOutput.objects.count() == 1
    with commit():
        services.stream_end(actor=channel.owner, stream=stream)
    assert not hls_on(stream)


def test_hls_is_refused_for_a_stream_not_live(channel):
    with pytest.raises(ApplicationError) as err:
        playback.stream_hls_request(stream=StreamFactory(channel=channel))
    assert err.value.code == "stream_not_live"
    assert not HlsOutput.objects.exists()


def test_the_detail_and_the_playback_give_the_playlist_once_the_relay_wrote_it(channel, client, settings):
    settings.STREAMS_HLS = "always"
    stream = services.stream_go_live(actor=channel.owner, channel=channel, title="On air")
    assert client.get(f"/api/v1/streams/{stream.pk}/").json()["hls_url"] is None  # no segment yet
    output = HlsOutput.objects.get()
    hls_session_record(output_id=output.pk, relay_room=output.relay_room, session="20261207T010000Z-abc", op="started")
    url = f"/media/live/stream-{stream.pk}/20261207T010000Z-abc/live.m3u8"
    assert client.get(f"/api/v1/streams/{stream.pk}/").json()["hls_url"].endswith(url)
    assert playback.stream_playback(stream=stream)["hls_url"].endswith(url)
    page = client.get(f"/s/{stream.pk}/").content.decode()
    assert url.replace("/", "\\/") in page or url in page  # the page's data-watch carries it


def test_hls_viewers_are_offered_webrtc_once_the_audience_fits_under_the_cap_with_a_margin(settings):
    settings.STREAMS_WEBRTC_VIEWER_CAP = 100
    # the audience counts HLS viewers too: 90 of them all fit on WebRTC; 91..100 is the margin (no flapping)
    assert playback.webrtc_seats(current=91) == {"open": False, "spread_ms": 4550}
    assert playback.webrtc_seats(current=90) == {"open": True, "spread_ms": 4500}  # 90 asks at 20 a second
    assert playback.webrtc_seats(current=5000)["spread_ms"] == 30_000  # never longer than that
    settings.STREAMS_WEBRTC_VIEWER_CAP = 0
    assert playback.webrtc_seats(current=5000)["open"] is True


def test_moves_back_to_webrtc_are_admitted_a_few_a_second_and_only_while_the_audience_fits(
        channel, settings, monkeypatch):
    settings.STREAMS_WEBRTC_VIEWER_CAP = 100
    stream = live_stream(channel)
    watching(monkeypatch, 95)
    assert playback.stream_webrtc_return(stream=stream)["mode"] == "hls"
    assert playback.stream_webrtc_return(stream=stream)["retry_after_ms"] is None  # wait for the next offer
    watching(monkeypatch, 90)
    monkeypatch.setattr(playback.time, "time", lambda: 1_700_000_000.5)  # all within one second
    answers = [playback.stream_webrtc_return(stream=stream) for _ in range(playback.RETURNS_PER_SECOND + 5)]
    assert [a["mode"] for a in answers].count("webrtc") == playback.RETURNS_PER_SECOND
    refused = [a for a in answers if a["mode"] == "hls"]
    assert len(refused) == 5 and all(1000 <= a["retry_after_ms"] < 1000 + 4500 for a in refused)
    monkeypatch.setattr(playback.time, "time", lambda: 1_700_000_001.5)  # the next second: room again
    assert playback.stream_webrtc_return(stream=stream)["mode"] == "webrtc"


def test_moving_back_to_webrtc_is_refused_for_a_stream_not_live_or_ended(channel, client):
    with pytest.raises(ApplicationError) as err:
        playback.stream_webrtc_return(stream=StreamFactory(channel=channel))
    assert err.value.code == "stream_not_live"
    ended = StreamFactory(channel=channel, status="ended", started_at=timezone.now(), ended_at=timezone.now())
    response = client.post(f"/api/v1/streams/{ended.pk}/webrtc/")
    assert response.status_code == 410 and response.json()["code"] == "stream_ended"


def test_the_viewer_count_event_carries_the_offer(settings):
    from streams.consumers import _counted

    settings.STREAMS_WEBRTC_VIEWER_CAP = 10
    event = _counted(7, Figures(9, 12, 30))
    assert event == {"type": "streams.viewers", "op": "counted", "stream_id": 7, "current": 9, "peak": 12,
                     "webrtc": {"open": True, "spread_ms": 450}}
    assert _counted(7, Figures(10, 12, 30))["webrtc"]["open"] is False


def test_the_live_playlist_redirect_is_cached_and_stops_when_the_stream_ends(
        channel, client, settings, commit, django_assert_num_queries):
    settings.STREAMS_HLS = "always"
    with commit():
        stream = services.stream_go_live(actor=channel.owner, channel=channel, title="On air")
    output = HlsOutput.objects.get()
    hls_session_record(output_id=output.pk, relay_room=output.relay_room, session="20261207T010000Z-abc", op="started")
    first = client.get(f"/s/{stream.pk}/live.m3u8")
    assert first.status_code == 302 and first["Location"].endswith("/20261207T010000Z-abc/live.m3u8")
    with django_assert_num_queries(0):  # a player's reload: from the cache
        assert client.get(f"/s/{stream.pk}/live.m3u8")["Location"] == first["Location"]
    with commit():
        services.stream_end(actor=channel.owner, stream=stream)
    assert client.get(f"/s/{stream.pk}/live.m3u8").status_code == 404  # at once, not a cached redirect
