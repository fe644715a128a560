"""The pages: /live/ (followed channels first, then by viewers; search; categories), a channel page live
and offline, a stream page, the studio (capabilities handed over as data), and the header's link."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from streams.models import Channel
from streams.selectors import streams_live
from streams.services import channel_follow, stream_schedule
from tests.accounts.factories import UserFactory

from .factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_live(bob):
    """Three live channels; bob follows the least watched one."""
    quiet = live_stream(ChannelFactory(name="Quiet corner", slug="quiet"), title="Knitting", current_viewers=2)
    busy = live_stream(ChannelFactory(name="Busy", slug="busy"), title="Speedrun", current_viewers=900)
    mid = live_stream(ChannelFactory(name="Mid", slug="mid", owner=UserFactory(handle="midge")), title="Chess",
                      current_viewers=40, category="gaming")
    channel_follow(actor=bob, channel=quiet.channel)
    return quiet, busy, mid


def test_live_now_puts_followed_channels_first_then_the_most_watched_in_one_query(three_live, bob,
                                                                                   django_assert_num_queries):
    quiet, busy, mid = three_live
    with django_assert_num_queries(1):
        assert list(streams_live(user=bob)) == [quiet, busy, mid]
    assert list(streams_live(user=UserFactory())) == [busy, mid, quiet]
    assert list(streams_live(query="@mid")) == [mid]
    assert list(streams_live(query="speed")) == [busy]
    assert list(streams_live(query="quiet")) == [quiet]
    assert list(streams_live(category="gaming")) == [mid]


def test_the_browse_page_lists_live_streams_for_anyone_and_links_from_the_header(three_live, bob):
    page = Client().get("/live/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Speedrun") < html.index("Chess") < html.index("Knitting")
    assert 'href="/live/"' in html
    signed_in = Client()
    signed_in.force_login(bob)
    html = signed_in.get("/live/?q=").content.decode()
    assert html.index("Knitting") < html.index("Speedrun")  # followed first
    assert "Nobody is live" in Client().get("/live/?q=nothing-like-this").content.decode()


def test_a_live_channel_page_holds_the_player_and_what_the_viewer_may_do(alice, bob):
    channel = ChannelFactory(owner=alice, slug="alice", name="Alice live")
    stream = live_stream(channel, title="Tonight")
    page = Client().get("/c/alice/")
    assert page.status_code == 200
    watch = json.loads(page.context["watch"])
    grant = watch.pop("relay_grant")  # the page connects at once (the time to first frame)
    assert watch == {"stream_id": stream.pk, "status": "live", "user_id": None,
                     "me": {"is_owner": False, "can_go_live": False, "can_end": False, "can_chat": False},
                     "playback": {"mode": "webrtc", "hls_url": None, "webrtc_timeout_ms": 8000}}
    assert (grant["room"], grant["perms"]) == (f"stream-{stream.pk}", ["join", "subscribe"]) and grant["token"]
    assert "no-cache" in page["Cache-Control"]  # a viewer's own grant: never from a shared cache
    assert b'id="stream-video"' in page.content and b"Sign in to follow" in page.content
    owner = Client()
    owner.force_login(alice)
    mine = json.loads(owner.get(f"/s/{stream.pk}/").context["watch"])
    assert mine["me"]["can_end"] is True and "publish_video" in mine["relay_grant"]["perms"]


def test_a_page_past_the_webrtc_cap_carries_no_relay_grant(alice, settings, monkeypatch):
    from config.audience import Figures
    from streams import playback

    settings.STREAMS_WEBRTC_VIEWER_CAP = 1
    monkeypatch.setattr(playback, "stream_viewers", lambda stream: Figures(1, 1, 1))
    live_stream(ChannelFactory(owner=alice, slug="alice"))
    watch = json.loads(Client().get("/c/alice/").context["watch"])
    assert watch["playback"]["mode"] == "hls" and watch["relay_grant"] is None


def test_an_offline_channel_shows_its_next_stream_and_unknown_ones_are_404(alice):
    channel = ChannelFactory(owner=alice, slug="alice")
    stream_schedule(actor=alice, channel=channel, title="Sunday chess", scheduled_for=timezone.now() + timedelta(days=1))
    page = Client().get("/c/alice/")
    assert b"is offline" in page.content and b"Sunday chess" in page.content and b"stream-video" not in page.content
    assert Client().get("/c/nobody/").status_code == 404
    assert Client().get("/s/999999/").status_code == 404


def test_the_studio_creates_a_channel_then_hands_the_page_its_capabilities(alice, settings):
    assert Client().get("/studio/").status_code == 302  # sign in first
    client = Client()
    client.force_login(alice)
    assert b'id="channel-form"' in client.get("/studio/").content
    refused = client.post("/studio/channel/", {"name": "A", "slug": "x"}, follow=True)
    assert not Channel.objects.exists() and b"slug" in refused.content
    client.post("/studio/channel/", {"name": "Alice live", "slug": "alice", "category": "music"})
    studio = json.loads(client.get("/studio/").context["studio"])
    assert studio == {"slug": "alice", "channel_name": "Alice live", "user_id": alice.pk, "live_stream_id": None, "live_title": "",
                      "whip_url": f"{settings.SITE_URL}/whip/c/alice", "key_prefix": None, "can_go_live": True,
                      "can_end": False}


def test_the_watch_page_has_the_chat_and_the_overlay_page_points_at_the_live_stream(alice):
    channel = ChannelFactory(owner=alice, slug="alice")
    client = Client()
    offline = client.get("/c/alice/overlay/")
    assert offline.status_code == 200 and json.loads(offline.context["overlay"]) == {"stream_id": None}
    stream = live_stream(channel)
    assert json.loads(client.get("/c/alice/overlay/").context["overlay"]) == {"stream_id": stream.pk}
    assert b"site-header" not in client.get("/c/alice/overlay/").content  # a bare page for OBS
    assert b'id="stream-chat"' in client.get(f"/s/{stream.pk}/").content
    assert client.get("/c/nobody/overlay/").status_code == 404
