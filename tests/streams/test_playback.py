"""WebRTC or HLS (streams.playback): the viewer-mode decision, the HLS switch at go-live and end, the detail's
playlist URL and the viewer's request for HLS."""

from unittest import mock

import pytest

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
