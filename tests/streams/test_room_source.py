"""Watch together (streams.room_source, rooms' live items): a stream link → a live source; the sync rules
of a live item; the stream's end moves every room on; the watch page's button; the stable playlist address.

Event types asserted here: rooms.state updated, rooms.queue updated (the stream ended).
"""

import pytest
from django.urls import reverse

from media_relay.hls_output import hls_output_on, hls_output_start, hls_playlist_url, hls_session_record
from rooms.errors import PlaybackError
from rooms.events import room_group
from rooms.models import QueueItem, Room
from rooms.services.membership import room_create
from rooms.services.playback import member_buffering, playback_command, playback_ended
from rooms.services.queue import queue_add
from rooms.sources import Source, SourceKind, parse_source
from streams.models import StreamStatus
from streams.services import stream_end
from tests.rooms.conftest import refused
from tests.rooms.factories import YOUTUBE_URL, add_member

from .factories import ChannelFactory, StreamFactory, live_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream(alice):
    return live_stream(ChannelFactory(owner=alice, name="Alice plays", slug="alice-plays"), title="Speedrun")


def live_room(owner, stream) -> Room:
    return room_create(creator=owner, name="Party", source_url=f"/s/{stream.pk}/")


# -- the resolver -----------------------------------------------------------------------------------
@pytest.mark.parametrize("link", ["/s/{id}/", "/s/{id}", "http://127.0.0.1:8000/s/{id}/", "http://localhost/s/{id}/",
                                  "  http://LOCALHOST/s/{id}/  ", "/c/alice-plays/", "http://localhost/c/Alice-Plays"])
def test_a_stream_or_channel_link_of_this_site_is_a_live_source(stream, link):
    source = parse_source(link.format(id=stream.pk))
    assert source == Source(SourceKind.LIVE, f"/s/{stream.pk}/live.m3u8", f"stream:{stream.pk}",
                            title="Speedrun · Alice plays")
    assert hls_output_on(relay_room=f"stream-{stream.pk}") is not None  # HLS turned on for the room to play


def test_resolving_twice_keeps_one_hls_output(stream):
    parse_source(f"/s/{stream.pk}/")
    parse_source(f"/s/{stream.pk}/")
    assert hls_output_start(relay_room=f"stream-{stream.pk}").pk == hls_output_on(relay_room=f"stream-{stream.pk}").pk


@pytest.mark.parametrize("link, kind", [
    ("https://elsewhere.example/s/{id}/", SourceKind.WEB),  # another site's /s/ is just a page
    ("http://localhost/s/{id}/chat/", SourceKind.WEB),  # not the stream's own address
    ("http://localhost/s/abc/", SourceKind.WEB),
    ("http://localhost/live/", SourceKind.WEB),
])
def test_other_links_are_not_live_sources(stream, link, kind):
    assert parse_source(link.format(id=stream.pk)).kind == kind


@pytest.mark.parametrize("link", ["/s/", "javascript:alert(1)//s/1/", "ftp://localhost/s/1/", "/s/1/../../etc"])
def test_bad_links_are_refused(stream, link):
    with refused(PlaybackError.SOURCE_INVALID):
        parse_source(link)


def test_an_unknown_stream_is_refused():
    with refused(PlaybackError.LIVE_SOURCE_NOT_FOUND, 404):
        parse_source("/s/987654/")


def test_an_ended_stream_is_refused_with_its_own_code(stream):
    stream_end(actor=None, stream=stream)
    with refused(PlaybackError.LIVE_SOURCE_ENDED, 410) as info:
        parse_source(f"/s/{stream.pk}/")
    assert info.value.extra == {"stream_id": stream.pk, "status": StreamStatus.ENDED}
    with refused(PlaybackError.LIVE_SOURCE_ENDED):  # the channel has nothing live now
        parse_source("/c/alice-plays/")


def test_a_scheduled_stream_is_not_live_yet(alice):
    scheduled = StreamFactory(channel=ChannelFactory(owner=alice))
    with refused(PlaybackError.LIVE_SOURCE_ENDED, 410) as info:
        parse_source(f"/s/{scheduled.pk}/")
    assert info.value.message == "That stream isn't live yet."


# -- a room with a live item --------------------------------------------------------------------------
def test_a_room_created_on_a_stream_plays_it_live(bob, stream):
    room = live_room(bob, stream)
    assert (room.source_kind, room.source_media_id, room.source_title, room.is_playing) == (
        SourceKind.LIVE, f"stream:{stream.pk}", "Speedrun · Alice plays", True)


@pytest.mark.parametrize("action, extra", [("pause", {}), ("seek", {"position": 30.0}), ("rate", {"rate": 1.5})])
def test_a_live_item_refuses_pause_seek_and_rate(bob, stream, published, commit, action, extra):
    room = live_room(bob, stream)
    version = room.state_version
    with commit(), refused(PlaybackError.LIVE_NO_CONTROL, 400) as info:
        playback_command(actor=bob, room=room, action=action, **extra)
    assert info.value.extra == {"action": action}
    room.refresh_from_db()
    assert (room.is_playing, room.state_version) == (True, version)
    assert published.events("rooms.state") == []


def test_play_and_loading_something_else_still_work_on_a_live_item(bob, stream):
    room = live_room(bob, stream)
    assert playback_command(actor=bob, room=room, action="play").is_playing
    room = playback_command(actor=bob, room=room, action="load", url=YOUTUBE_URL)
    assert room.source_kind == SourceKind.YOUTUBE


def test_a_live_item_never_waits_for_a_buffering_member(bob, carol, stream):
    room = live_room(bob, stream)
    Room.objects.filter(pk=room.pk).update(wait_for_ready=True)
    add_member(room, carol, connections=1)
    member_buffering(user=carol, room=room, is_buffering=True)
    room.refresh_from_db()
    assert (room.is_playing, room.is_waiting_for_ready) == (True, False)


def test_a_players_ended_report_does_not_end_a_live_item(bob, stream):
    room = live_room(bob, stream)
    assert playback_ended(user=bob, room=room, source_url=room.source_url) is False
    room.refresh_from_db()
    assert room.is_playing


# -- the stream ends ----------------------------------------------------------------------------------
def test_the_end_of_the_stream_stops_its_rooms_on_stream_ended(alice, bob, stream, published, commit):
    room = live_room(bob, stream)
    with commit():
        stream_end(actor=alice, stream=stream)
    room.refresh_from_db()
    assert (room.source_kind, room.is_playing) == (SourceKind.LIVE, False)  # the item stays: "Stream ended"
    [state] = [e["state"] for e in published.to(room_group(room.pk)) if e["type"] == "rooms.state"]
    assert (state["source"]["kind"], state["is_playing"]) == ("live", False)


def test_the_end_of_the_stream_moves_the_queue_on_and_drops_queued_copies(alice, bob, stream, published, commit):
    other = live_stream(ChannelFactory(name="Other"))
    room = live_room(bob, stream)
    queue_add(actor=bob, room=room, url=f"/s/{stream.pk}/")  # queued twice
    queue_add(actor=bob, room=room, url=YOUTUBE_URL)
    untouched = live_room(bob, other)
    with commit():
        stream_end(actor=alice, stream=stream)
    room.refresh_from_db()
    assert (room.source_kind, room.is_playing) == (SourceKind.YOUTUBE, True)
    assert QueueItem.objects.filter(room=room).count() == 0
    assert Room.objects.get(pk=untouched.pk).is_playing
    assert published.events("rooms.queue")[-1]["items"] == []


# -- pages: the stable playlist address, the watch page's button --------------------------------------
def test_the_live_playlist_address_redirects_to_the_current_session(client, stream):
    url = reverse("stream-live-playlist", args=[stream.pk])
    response = client.get(url)
    assert (response.status_code, response["Retry-After"]) == (404, "2")  # nothing written yet: retry
    output = hls_output_start(relay_room=f"stream-{stream.pk}")
    session = hls_session_record(output_id=output.pk, relay_room=f"stream-{stream.pk}", session="s1", op="started")
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, hls_playlist_url(session))


def test_watch_together_makes_a_room_playing_the_stream(client, bob, stream):
    client.force_login(bob)
    page = client.get(reverse("stream", args=[stream.pk])).content.decode()
    assert "data-watch-together" in page
    response = client.post(reverse("stream-watch-together", args=[stream.pk]))
    room = Room.objects.get(created_by=bob)
    assert response["Location"] == reverse("room", kwargs={"code": room.code})
    assert (room.source_kind, room.source_media_id, room.name) == (SourceKind.LIVE, f"stream:{stream.pk}", "Watching Alice plays")


def test_watch_together_on_an_ended_stream_creates_nothing(client, bob, stream):
    stream_end(actor=None, stream=stream)
    client.force_login(bob)
    assert "data-watch-together" not in client.get(reverse("stream", args=[stream.pk])).content.decode()
    response = client.post(reverse("stream-watch-together", args=[stream.pk]))
    assert response.status_code == 302 and not Room.objects.filter(created_by=bob).exists()


def test_watch_together_needs_a_login_and_a_post(client, bob, stream):
    assert client.post(reverse("stream-watch-together", args=[stream.pk])).status_code == 302
    assert not Room.objects.exists()
    client.force_login(bob)
    assert client.get(reverse("stream-watch-together", args=[stream.pk])).status_code == 405
