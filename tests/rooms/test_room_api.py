"""/api/v1/rooms/ and /api/v1/matchmaking/ over HTTP: journeys, authorization, error shape, query counts.

The rules themselves are tested on the services (test_membership, test_playback_queue_chat);
here we check what the API adds: status codes, the one error shape, who may call what,
and what each list costs.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Notification
from rooms.models import (
    ChatMessage,
    MatchRequest,
    QueueItem,
    Room,
    RoomBan,
    RoomInvite,
    RoomMember,
    RoomRole,
    SkipVote,
    Visibility,
)
from rooms.notification_kinds import NotificationKind
from tests.accounts.factories import UserFactory, make_friends
from tests.api import assert_error, signed_in

from .factories import VIDEO_URL, YOUTUBE_ID, YOUTUBE_URL, RoomFactory, add_member, set_source

pytestmark = pytest.mark.django_db

API = "/api/v1"
ROOM_KEYS = {"code", "kind", "name", "topic", "languages", "visibility", "max_members", "is_mic_enabled",
             "playback_control", "chat_mode", "slow_mode_seconds", "is_locked", "wait_for_ready", "is_matchmade", "is_permanent",
             "created_at", "closed_at"}
HALLWAY_KEYS = {"code", "kind", "name", "topic", "languages", "visibility", "max_members", "member_count",
                "is_locked", "is_mic_enabled", "is_permanent", "leader", "source_kind", "created_at"}
MEMBER_KEYS = {"user", "role", "is_muted", "joined_at", "is_connected", "is_buffering", "drift_ms", "hand_raised_at"}
MESSAGE_KEYS = {"id", "author", "body", "mentions", "created_at", "is_deleted"}
STATE_KEYS = {"version", "source", "is_playing", "position", "at", "rate", "duration", "is_waiting_for_ready"}


# -- helpers ------------------------------------------------------------------------------------------
def authenticated(user) -> APIClient:
    """No session or user queries: query counts are the view's own."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json() if response.content else None


@pytest.fixture
def room(alice, bob):
    """Public; alice leads, bob is a member, a video is playing."""
    room = set_source(RoomFactory(created_by=alice, name="Movie night"), YOUTUBE_URL, position=5.0)
    add_member(room, bob)
    return room


def url(room, suffix: str = "") -> str:
    return f"{API}/rooms/{room.code}/{suffix}"


# -- creating and the hallway --------------------------------------------------------------------------------
def test_create(alice):
    body = ok(signed_in(alice).post(f"{API}/rooms/", {"name": "Late show", "visibility": "public", "languages": ["en"],
                                                        "source_url": f"https://youtu.be/{YOUTUBE_ID}"}, format="json"), 201)
    assert set(body) == ROOM_KEYS
    assert (body["name"], body["kind"], body["max_members"], body["visibility"], body["is_mic_enabled"]) == (
        "Late show", "watch", 10, "public", False)
    room = Room.objects.get(code=body["code"])
    assert room.source_url == YOUTUBE_URL
    assert RoomMember.objects.get(room=room).role == RoomRole.LEADER


def test_create_voice_defaults(alice):
    body = ok(signed_in(alice).post(f"{API}/rooms/", {"name": "Talk", "kind": "voice"}, format="json"), 201)
    assert (body["max_members"], body["is_mic_enabled"], body["visibility"]) == (12, True, "friends")


@pytest.mark.parametrize(
    "data, code, field",
    [({"name": ""}, "invalid", "name"), ({"name": "x", "max_members": 51}, "invalid", "max_members"),
     ({"name": "x", "kind": "voice", "max_members": 20}, "room_settings_invalid", None),
     ({"name": "x", "kind": "disco"}, "invalid", "kind"), ({"name": "x", "source_url": "javascript:alert(1)"}, "source_invalid", None)],
)
def test_create_refusals(alice, data, code, field):
    body = assert_error(signed_in(alice).post(f"{API}/rooms/", data, format="json"), 400, code)
    if field:
        assert field in body["extra"]["fields"]
    assert not Room.objects.exists()


@pytest.fixture
def hallway(alice):
    """Public rooms of several kinds, languages and sizes with their leaders in, plus rooms that must never show."""
    rooms = {
        "cinema": RoomFactory(name="Cinema club", topic="classics", languages=["en"], leader__connections=1),
        "tertulia": RoomFactory(name="Tertulia", kind="voice", languages=["es", "en"], leader__connections=1),
        "full": RoomFactory(name="Full house", max_members=2, languages=["fr"], leader__connections=1),
        "quiet": RoomFactory(name="Quiet corner", topic="Study with me", leader__connections=1),
    }
    add_member(rooms["full"])
    for _ in range(3):
        add_member(rooms["cinema"])
    RoomFactory(name="Friends only", visibility=Visibility.FRIENDS)
    RoomFactory(name="Private", visibility=Visibility.PRIVATE)
    RoomFactory(name="Closed", closed_at=timezone.now())
    RoomFactory(name="Matchmade", is_matchmade=True, kind="voice", max_members=2)
    RoomFactory(name="Empty", leader=False)
    RoomFactory(name="Never entered")  # made over the API; its leader never opened it
    return rooms


@pytest.mark.parametrize(
    "query, names",
    [
        ("", ["Cinema club", "Full house", "Quiet corner", "Tertulia"]),
        ("?kind=voice", ["Tertulia"]),
        ("?kind=watch", ["Cinema club", "Full house", "Quiet corner"]),
        ("?language=en", ["Cinema club", "Tertulia"]),
        ("?language=es", ["Tertulia"]),
        ("?q=study", ["Quiet corner"]),
        ("?q=CLUB", ["Cinema club"]),
        ("?has_seats=1", ["Cinema club", "Quiet corner", "Tertulia"]),
        ("?has_seats=true&language=fr", []),
        ("?kind=watch&language=en&q=cinema&has_seats=1", ["Cinema club"]),
    ],
)
def test_hallway_filters(alice, hallway, query, names):
    body = ok(signed_in(alice).get(f"{API}/rooms/{query}"))
    assert sorted(r["name"] for r in body["results"]) == names
    assert body["count"] == len(names)


def test_hallway_is_fullest_first_with_leader_and_count(alice, hallway):
    results = ok(signed_in(alice).get(f"{API}/rooms/"))["results"]
    assert [r["name"] for r in results][:2] == ["Cinema club", "Full house"]
    assert all(set(r) == HALLWAY_KEYS for r in results)
    cinema = results[0]
    assert (cinema["member_count"], cinema["leader"]["handle"]) == (4, hallway["cinema"].created_by.handle)


def test_hallway_lists_live_and_permanent_rooms_only(alice, hallway):
    # given a permanent room nobody is in, and one whose only connected member is not its leader
    RoomFactory(name="Always open", is_permanent=True, leader=False)
    lounge = RoomFactory(name="Lounge")
    add_member(lounge, connections=1)
    names = [r["name"] for r in ok(signed_in(alice).get(f"{API}/rooms/"))["results"]]
    assert sorted(names) == ["Always open", "Cinema club", "Full house", "Lounge", "Quiet corner", "Tertulia"]
    assert "Never entered" not in names and names[-1] == "Always open"  # the live ones first


def test_hallway_query_count(alice, hallway, django_assert_num_queries):
    for _ in range(5):  # more rooms, each with a leader and members: an N+1 would show
        room = RoomFactory(languages=["en"], leader__connections=1)
        add_member(room)
    client = authenticated(alice)
    with django_assert_num_queries(3):  # count, page (member count annotated), leaders prefetched
        body = ok(client.get(f"{API}/rooms/"))
    assert body["count"] == 9
    assert all(r["leader"] is not None for r in body["results"])
    with django_assert_num_queries(3):
        ok(client.get(f"{API}/rooms/?language=en&has_seats=1&kind=watch&q=room"))


# -- detail, settings, close --------------------------------------------------------------------------------
def test_detail_of_a_public_room_is_open_to_any_signed_in_user(room, carol):
    body = ok(signed_in(carol).get(url(room)))
    assert set(body) == ROOM_KEYS and body["code"] == room.code


@pytest.mark.parametrize("visibility", ["friends", "private"])
def test_detail_of_a_non_public_room_is_for_members(alice, bob, carol, visibility):
    room = RoomFactory(created_by=alice, visibility=visibility)
    add_member(room, bob)
    assert ok(signed_in(bob).get(url(room)))["code"] == room.code
    assert_error(signed_in(carol).get(url(room)), 403, "not_a_member")


def test_unknown_room(alice):
    assert_error(signed_in(alice).get(f"{API}/rooms/nope/"), 404, "room_not_found")
    assert_error(signed_in(alice).post(f"{API}/rooms/nope/join/"), 404, "room_not_found")


def test_update_settings(room, alice, bob):
    assert_error(signed_in(bob).patch(url(room), {"name": "Mine"}, format="json"), 403, "not_allowed")
    body = ok(signed_in(alice).patch(url(room), {"name": "Renamed", "slow_mode_seconds": 10, "chat_mode": "mods"}, format="json"))
    assert (body["name"], body["slow_mode_seconds"], body["chat_mode"]) == ("Renamed", 10, "mods")
    assert_error(signed_in(alice).patch(url(room), {"max_members": 1}, format="json"), 400, "invalid")


def test_close(room, alice, bob):
    assert_error(signed_in(bob).delete(url(room)), 403, "not_allowed")
    ok(signed_in(alice).delete(url(room)), 204)
    room.refresh_from_db()
    assert room.closed_at is not None
    assert_error(signed_in(UserFactory()).post(url(room, "join/")), 400, "room_closed")


# -- joining and leaving --------------------------------------------------------------------------------------
def test_join_and_leave(room, carol):
    client = signed_in(carol)
    body = ok(client.post(url(room, "join/")))
    assert set(body) == MEMBER_KEYS
    assert (body["user"]["handle"], body["role"], body["is_connected"]) == ("carol", "member", False)
    assert ok(client.post(url(room, "join/")))["user"]["handle"] == "carol"  # again: the same membership
    ok(client.post(url(room, "leave/")), 204)
    assert not RoomMember.objects.filter(room=room, user=carol).exists()
    assert_error(client.post(url(room, "leave/")), 404, "not_a_member")


def test_join_refusals(alice, carol):
    private = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE)
    assert_error(signed_in(carol).post(url(private, "join/")), 403, "room_private")
    friends = RoomFactory(created_by=alice, visibility=Visibility.FRIENDS)
    assert_error(signed_in(carol).post(url(friends, "join/")), 403, "room_friends_only")
    full = RoomFactory(created_by=alice, max_members=2)
    add_member(full)
    assert_error(signed_in(carol).post(url(full, "join/")), 409, "room_full")


def test_join_with_invites(alice, bob, carol):
    room = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE)
    invite = ok(signed_in(alice).post(url(room, "invites/"), {"max_uses": 1, "expires_in": 600}, format="json"), 201)
    assert set(invite) == {"code", "url", "expires_at", "max_uses", "uses"}
    assert (invite["url"], invite["max_uses"], invite["uses"]) == (f"/i/{invite['code']}", 1, 0)
    preview = ok(signed_in(bob).get(f"{API}/room-invites/{invite['code']}/"))
    assert preview["code"] == room.code
    assert_error(signed_in(bob).get(f"{API}/room-invites/nope/"), 404, "invite_invalid")
    ok(signed_in(bob).post(url(room, "join/"), {"invite_code": invite["code"]}, format="json"))
    assert_error(signed_in(carol).post(url(room, "join/"), {"invite_code": invite["code"]}, format="json"), 403, "invite_used_up")
    expired = RoomInvite.objects.create(room=room, created_by=alice, expires_at=timezone.now() - timedelta(minutes=1))
    assert_error(signed_in(carol).post(url(room, "join/"), {"invite_code": expired.code}, format="json"), 403, "invite_expired")


def test_invite_refusals(room, bob, carol):
    private = RoomFactory(visibility=Visibility.PRIVATE)
    add_member(private, bob)
    assert_error(signed_in(bob).post(url(private, "invites/"), {}, format="json"), 403, "not_allowed")
    assert_error(signed_in(carol).post(url(room, "invites/"), {}, format="json"), 403, "not_a_member")
    assert_error(signed_in(bob).post(url(room, "invites/"), {"expires_in": 5}, format="json"), 400, "invalid")


def test_friend_invite(room, alice, carol):
    make_friends(alice, carol)
    invite = ok(signed_in(alice).post(url(room, "invites/friends/"), {"handle": "@carol"}, format="json"), 201)
    assert invite["max_uses"] == 1
    note = Notification.objects.get(recipient=carol)
    assert (note.kind, note.data["invite"]) == (NotificationKind.ROOM_INVITE, invite["code"])
    stranger = UserFactory(handle="stranger")
    assert_error(signed_in(alice).post(url(room, "invites/friends/"), {"handle": stranger.handle}, format="json"), 403, "not_allowed")
    assert_error(signed_in(alice).post(url(room, "invites/friends/"), {"handle": "ghost"}, format="json"), 404, "user_not_found")


# -- members and leader powers --------------------------------------------------------------------------------
def test_members_list(room, alice, bob, carol):
    body = ok(signed_in(bob).get(url(room, "members/")))
    assert [(m["user"]["handle"], m["role"]) for m in body] == [("alice", "leader"), ("bob", "member")]
    assert all(set(m) == MEMBER_KEYS for m in body)
    assert_error(signed_in(carol).get(url(room, "members/")), 403, "not_a_member")


def test_leader_powers(room, alice, bob, carol):
    add_member(room, carol)
    leader, member = signed_in(alice), signed_in(bob)

    for action, data in (("kick/", None), ("mute/", {"is_muted": True}), ("role/", {"role": "moderator"}), ("transfer/", None)):
        assert_error(member.post(url(room, f"members/carol/{action}"), data, format="json"), 403, "not_allowed")

    body = ok(leader.post(url(room, "members/carol/mute/"), {"is_muted": True}, format="json"))
    assert (body["user"]["handle"], body["is_muted"]) == ("carol", True)
    body = ok(leader.post(url(room, "members/bob/role/"), {"role": "moderator"}, format="json"))
    assert body["role"] == "moderator"
    assert_error(leader.post(url(room, "members/bob/role/"), {"role": "leader"}, format="json"), 400, "invalid")
    ok(member.post(url(room, "members/carol/kick/")), 204)  # bob moderates now
    assert RoomBan.objects.filter(room=room, user=carol).exists()
    assert_error(member.post(url(room, "members/alice/kick/")), 403, "not_allowed")
    assert_error(leader.post(url(room, "members/ghost/kick/")), 404, "user_not_found")
    assert_error(leader.post(url(room, "members/carol/kick/")), 404, "member_invalid")  # already out
    body = ok(leader.post(url(room, "members/bob/transfer/")))
    assert (body["user"]["handle"], body["role"]) == ("bob", "leader")
    assert dict(RoomMember.objects.filter(room=room).values_list("user__handle", "role")) == {"alice": "moderator", "bob": "leader"}


# -- chat --------------------------------------------------------------------------------------------------
def test_messages_post_list_delete(room, alice, bob, carol):
    body = ok(signed_in(bob).post(url(room, "messages/"), {"body": "hi @alice"}, format="json"), 201)
    assert set(body) == MESSAGE_KEYS
    assert (body["body"], body["author"]["handle"], body["mentions"]) == ("hi @alice", "bob", [alice.pk])
    assert_error(signed_in(bob).post(url(room, "messages/"), {"body": "x" * 501}, format="json"), 400, "message_too_long")
    assert_error(signed_in(carol).post(url(room, "messages/"), {"body": "hi"}, format="json"), 403, "not_a_member")
    listed = ok(signed_in(alice).get(url(room, "messages/")))
    assert [m["id"] for m in listed] == [body["id"]]
    assert_error(signed_in(carol).get(url(room, "messages/")), 403, "not_a_member")
    assert_error(signed_in(alice).delete(url(room, f"messages/{body['id'] + 999}/")), 404, "message_not_found")
    ok(signed_in(alice).delete(url(room, f"messages/{body['id']}/")), 204)  # the leader moderates
    deleted = ok(signed_in(bob).get(url(room, "messages/")))[0]
    assert (deleted["is_deleted"], deleted["body"]) == (True, "")


def test_chat_rate_limit_over_http(room, bob, settings):
    settings.ROOM_CHAT_RATE_MAX_MESSAGES, settings.ROOM_CHAT_RATE_WINDOW_SECONDS = 5, 5.0
    client = signed_in(bob)
    for n in range(5):
        ok(client.post(url(room, "messages/"), {"body": f"m{n}"}, format="json"), 201)
    body = assert_error(client.post(url(room, "messages/"), {"body": "again"}, format="json"), 429, "chat_rate_limited")
    assert body["extra"] == {"retry_after": 5.0}


@pytest.fixture
def history(room, alice):
    return ChatMessage.objects.bulk_create(ChatMessage(room=room, author=alice, body=f"m{n}") for n in range(60))


def test_messages_after_and_before(room, bob, history):
    client = signed_in(bob)
    ids = [m.pk for m in history]
    assert [m["id"] for m in ok(client.get(url(room, "messages/")))] == ids[-50:]
    assert [m["id"] for m in ok(client.get(url(room, f"messages/?after={ids[54]}")))] == ids[55:]
    assert [m["id"] for m in ok(client.get(url(room, f"messages/?before={ids[12]}")))] == ids[:12]
    assert [m["id"] for m in ok(client.get(url(room, f"messages/?after={ids[2]}")))] == ids[3:53]
    assert_error(client.get(url(room, "messages/?after=soon")), 400, "invalid")


# -- queue and playback ------------------------------------------------------------------------------------
def test_queue_crud_reorder_skip(room, alice, bob, carol):
    member, leader = signed_in(bob), signed_in(alice)
    first = ok(member.post(url(room, "queue/"), {"url": VIDEO_URL, "title": "One"}, format="json"), 201)
    second = ok(member.post(url(room, "queue/"), {"url": f"{VIDEO_URL}?2"}, format="json"), 201)
    third = ok(leader.post(url(room, "queue/"), {"url": f"{VIDEO_URL}?3"}, format="json"), 201)
    assert (first["order"], first["kind"], first["title"], first["added_by"]["handle"]) == (1, "video", "One", "bob")
    assert_error(member.post(url(room, "queue/"), {"url": "ftp://x/y.mp4"}, format="json"), 400, "source_invalid")
    assert [i["id"] for i in ok(member.get(url(room, "queue/")))] == [first["id"], second["id"], third["id"]]
    assert_error(signed_in(carol).get(url(room, "queue/")), 403, "not_a_member")

    assert_error(member.delete(url(room, f"queue/{third['id']}/")), 403, "not_allowed")
    ok(member.delete(url(room, f"queue/{second['id']}/")), 204)
    assert_error(member.delete(url(room, f"queue/{second['id']}/")), 404, "queue_item_not_found")

    assert_error(member.post(url(room, "queue/reorder/"), {"ids": [third["id"], first["id"]]}, format="json"), 403, "playback_not_allowed")
    assert_error(leader.post(url(room, "queue/reorder/"), {"ids": [third["id"]]}, format="json"), 400, "queue_order_invalid")
    ok(leader.post(url(room, "queue/reorder/"), {"ids": [third["id"], first["id"]]}, format="json"), 204)
    assert [i["id"] for i in ok(member.get(url(room, "queue/")))] == [third["id"], first["id"]]

    assert_error(member.post(url(room, "queue/skip/")), 403, "playback_not_allowed")
    ok(leader.post(url(room, "queue/skip/")), 204)
    room.refresh_from_db()
    assert room.source_url == f"{VIDEO_URL}?3"


def test_queue_add_with_nothing_playing_plays_at_once(alice):
    room = RoomFactory(created_by=alice)
    ok(signed_in(alice).post(url(room, "queue/"), {"url": YOUTUBE_URL}, format="json"), 204)
    room.refresh_from_db()
    assert (room.source_url, room.is_playing) == (YOUTUBE_URL, True)
    assert not QueueItem.objects.exists()


def test_skip_vote(room, alice, bob):
    QueueItem.objects.create(room=room, order=1, kind="video", url=VIDEO_URL)
    RoomMember.objects.filter(room=room).update(connections=1)  # two connected: two votes needed
    ok(signed_in(bob).post(url(room, "queue/skip-vote/")), 204)
    assert_error(signed_in(bob).post(url(room, "queue/skip-vote/")), 409, "already_voted")
    assert SkipVote.objects.count() == 1
    ok(signed_in(alice).post(url(room, "queue/skip-vote/")), 204)
    room.refresh_from_db()
    assert room.source_url == VIDEO_URL and not SkipVote.objects.exists()


def test_playback(room, alice, bob, carol):
    state = ok(signed_in(bob).get(url(room, "playback/")))
    assert set(state) == STATE_KEYS
    assert (state["source"]["media_id"], state["is_playing"]) == (YOUTUBE_ID, True)
    assert_error(signed_in(carol).get(url(room, "playback/")), 403, "not_a_member")
    assert_error(signed_in(bob).post(url(room, "playback/"), {"action": "pause"}, format="json"), 403, "playback_not_allowed")
    paused = ok(signed_in(alice).post(url(room, "playback/"), {"action": "pause", "position": 42}, format="json"))
    assert (paused["is_playing"], paused["position"], paused["version"]) == (False, 42.0, state["version"] + 1)
    sought = ok(signed_in(alice).post(url(room, "playback/"), {"action": "seek", "position": 7}, format="json"))
    assert sought["position"] == 7.0
    assert ok(signed_in(alice).post(url(room, "playback/"), {"action": "rate", "rate": 1.25}, format="json"))["rate"] == 1.25
    loaded = ok(signed_in(alice).post(url(room, "playback/"), {"action": "load", "url": VIDEO_URL}, format="json"))
    assert (loaded["source"]["kind"], loaded["is_playing"]) == ("video", True)
    assert_error(signed_in(alice).post(url(room, "playback/"), {"action": "rate", "rate": 3}, format="json"), 400, "invalid")
    assert_error(signed_in(alice).post(url(room, "playback/"), {"action": "dance"}, format="json"), 400, "invalid")
    assert_error(signed_in(alice).post(url(room, "playback/"), {"action": "seek"}, format="json"), 400, "invalid")


# -- matchmaking --------------------------------------------------------------------------------------------
def test_matchmaking(alice, bob):
    assert ok(signed_in(alice).get(f"{API}/matchmaking/")) == {
        "status": "idle", "room": None, "partner": None, "waiting_since": None, "waiting_count": 0, "speaks": [], "learns": []}
    waiting = ok(signed_in(alice).post(f"{API}/matchmaking/", {"speaks": ["en"], "learns": ["es"]}, format="json"), 201)
    assert (waiting["status"], waiting["room"], waiting["partner"]) == ("waiting", None, None)
    assert waiting["waiting_since"] is not None
    assert_error(signed_in(alice).post(f"{API}/matchmaking/", {"speaks": ["en"], "learns": ["es"]}, format="json"), 409, "already_waiting")
    matched = ok(signed_in(bob).post(f"{API}/matchmaking/", {"speaks": ["es"], "learns": ["en"]}, format="json"), 201)
    assert (matched["status"], matched["partner"]["handle"], matched["waiting_since"]) == ("matched", "alice", None)
    room = Room.objects.get(code=matched["room"])
    assert ok(signed_in(alice).get(f"{API}/matchmaking/"))["room"] == room.code
    assert_error(signed_in(alice).delete(f"{API}/matchmaking/"), 404, "not_waiting")


def test_matchmaking_cancel_and_validation(alice):
    client = signed_in(alice)
    assert_error(client.post(f"{API}/matchmaking/", {"speaks": [], "learns": ["es"]}, format="json"), 400, "invalid")
    assert_error(client.post(f"{API}/matchmaking/", {"speaks": ["xx"], "learns": ["es"]}, format="json"), 400, "languages_required")
    ok(client.post(f"{API}/matchmaking/", {"speaks": ["en"], "learns": ["es"]}, format="json"), 201)
    ok(client.delete(f"{API}/matchmaking/"), 204)
    assert MatchRequest.objects.get().status == "cancelled"
    assert ok(client.get(f"{API}/matchmaking/"))["status"] == "cancelled"


# -- authorization --------------------------------------------------------------------------------------------
ENDPOINTS = [  # (GET /rooms/, the hallway, is public: tests/test_openapi.py PUBLIC)
    ("post", "/rooms/"),
    ("get", "/rooms/{code}/"), ("patch", "/rooms/{code}/"), ("delete", "/rooms/{code}/"),
    ("post", "/rooms/{code}/join/"), ("post", "/rooms/{code}/leave/"),
    ("get", "/rooms/{code}/members/"),
    ("post", "/rooms/{code}/members/bob/kick/"), ("post", "/rooms/{code}/members/bob/mute/"),
    ("post", "/rooms/{code}/members/bob/role/"), ("post", "/rooms/{code}/members/bob/transfer/"),
    ("post", "/rooms/{code}/invites/"), ("post", "/rooms/{code}/invites/friends/"),
    ("get", "/rooms/{code}/messages/"), ("post", "/rooms/{code}/messages/"), ("delete", "/rooms/{code}/messages/1/"),
    ("get", "/rooms/{code}/queue/"), ("post", "/rooms/{code}/queue/"), ("delete", "/rooms/{code}/queue/1/"),
    ("post", "/rooms/{code}/queue/reorder/"), ("post", "/rooms/{code}/queue/skip/"), ("post", "/rooms/{code}/queue/skip-vote/"),
    ("get", "/rooms/{code}/playback/"), ("post", "/rooms/{code}/playback/"),
    ("get", "/room-invites/abc/"),
    ("get", "/matchmaking/"), ("post", "/matchmaking/"), ("delete", "/matchmaking/"),
]


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_anonymous_gets_401_everywhere(room, method, path):
    response = getattr(APIClient(), method)(f"{API}{path.format(code=room.code)}", {}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert RoomMember.objects.filter(room=room).count() == 2


# Member-only endpoints, called by a signed-in stranger, with a valid body.
STRANGER_CALLS = [
    ("get", "members/", None, "not_a_member"),
    ("post", "members/bob/kick/", None, "not_allowed"),
    ("post", "members/bob/mute/", {"is_muted": True}, "not_allowed"),
    ("post", "members/bob/role/", {"role": "moderator"}, "not_allowed"),
    ("post", "members/bob/transfer/", None, "not_allowed"),
    ("patch", "", {"name": "Mine"}, "not_allowed"),
    ("delete", "", None, "not_allowed"),
    ("post", "invites/", {}, "not_a_member"),
    ("post", "invites/friends/", {"handle": "bob"}, "not_a_member"),
    ("get", "messages/", None, "not_a_member"),
    ("post", "messages/", {"body": "hi"}, "not_a_member"),
    ("get", "queue/", None, "not_a_member"),
    ("post", "queue/", {"url": VIDEO_URL}, "not_a_member"),
    ("post", "queue/reorder/", {"ids": []}, "not_a_member"),
    ("post", "queue/skip/", None, "not_a_member"),
    ("post", "queue/skip-vote/", None, "not_a_member"),
    ("get", "playback/", None, "not_a_member"),
    ("post", "playback/", {"action": "pause"}, "not_a_member"),
]


@pytest.mark.parametrize("method, suffix, data, code", STRANGER_CALLS)
def test_non_members_get_403(room, carol, method, suffix, data, code):
    before = Room.objects.get(pk=room.pk)
    response = getattr(signed_in(carol), method)(url(room, suffix), data, format="json")
    assert_error(response, 403, code)
    after = Room.objects.get(pk=room.pk)
    assert (after.state_version, after.name, after.closed_at) == (before.state_version, before.name, None)
    assert RoomMember.objects.filter(room=room).count() == 2
    assert not ChatMessage.objects.exists() and not QueueItem.objects.exists() and not RoomInvite.objects.exists()


@pytest.mark.parametrize(
    "method, suffix, data",
    [("post", "members/alice/kick/", None), ("post", "members/carol/kick/", None),
     ("post", "members/carol/mute/", {"is_muted": True}), ("post", "members/carol/role/", {"role": "moderator"}),
     ("post", "members/carol/transfer/", None), ("patch", "", {"name": "Mine"}), ("delete", "", None)],
)
def test_non_leaders_get_403_on_leader_powers(room, bob, carol, method, suffix, data):
    add_member(room, carol)
    assert_error(getattr(signed_in(bob), method)(url(room, suffix), data, format="json"), 403, "not_allowed")
    assert dict(RoomMember.objects.filter(room=room).values_list("user__handle", "role")) == {
        "alice": "leader", "bob": "member", "carol": "member"}


def test_unknown_api_path_has_the_error_shape(alice):
    assert_error(signed_in(alice).get(f"{API}/rooms/{'x' * 5}/nothing-here/"), 404, "not_found")


# -- query counts ------------------------------------------------------------------------------------------
ROWS = 6


@pytest.fixture
def busy(room, alice, bob):
    """Several members, messages and queue items, every one with its own user: an N+1 would show."""
    users = [add_member(room).user for _ in range(ROWS)]
    for user in users + [alice, bob]:
        ChatMessage.objects.create(room=room, author=user, body=f"from {user.handle}")
        QueueItem.objects.create(room=room, order=user.pk, kind="video", url=VIDEO_URL, added_by=user)
    return room


@pytest.mark.parametrize(
    "suffix, queries, rows",
    [
        ("members/", 3, ROWS + 2),  # room, membership check, members (users joined)
        ("messages/", 3, ROWS + 2),  # room, membership check, messages (authors joined)
        ("messages/?after=0", 3, ROWS + 2),
        ("messages/?before=999999", 3, ROWS + 2),
        ("queue/", 3, ROWS + 2),  # room, membership check, items (added_by joined)
    ],
)
def test_list_endpoint_query_count(busy, bob, django_assert_num_queries, suffix, queries, rows):
    client = authenticated(bob)
    with django_assert_num_queries(queries):
        body = ok(client.get(url(busy, suffix)))
    assert len(body) == rows


@pytest.mark.parametrize(
    "path, queries",
    [("", 1), ("playback/", 2)],  # room (public: no membership check); room + membership check
)
def test_detail_endpoint_query_count(busy, bob, django_assert_num_queries, path, queries):
    client = authenticated(bob)
    with django_assert_num_queries(queries):
        ok(client.get(url(busy, path)))


def test_match_status_query_count(alice, bob, django_assert_num_queries):
    MatchRequest.objects.create(user=alice, speaks=["en"], learns=["es"], status="matched", partner=bob,
                                room=RoomFactory(created_by=alice))
    with django_assert_num_queries(2):  # the request, room and partner joined; how many wait
        assert ok(authenticated(alice).get(f"{API}/matchmaking/"))["partner"]["handle"] == "bob"


# -- selectors ------------------------------------------------------------------------------------------------
def test_selector_query_counts(busy, alice, bob, django_assert_num_queries):
    from rooms import selectors
    from rooms.services.invites import invite_create

    SkipVote.objects.create(room=busy, user=bob, source_url=busy.source_url)
    invite = invite_create(actor=alice, room=busy)
    RoomMember.objects.filter(room=busy, user=bob).update(connections=1)  # live, so in the hallway
    with django_assert_num_queries(2):  # rooms (member and connected counts annotated), leaders
        rooms = list(selectors.hallway_list())
        assert [r.leader_members[0].user.handle for r in rooms] == ["alice"]
    with django_assert_num_queries(1):
        assert len([m.user.handle for m in selectors.members_list(room=busy)]) == ROWS + 2
    with django_assert_num_queries(1):
        assert len([m.author.handle for m in selectors.messages_list(room=busy)]) == ROWS + 2
    with django_assert_num_queries(1):
        assert len([i.added_by.handle for i in selectors.queue_list(room=busy)]) == ROWS + 2
    with django_assert_num_queries(2):  # votes on what's playing, connected members
        assert selectors.skip_tally(room=busy) == (1, 1)
    with django_assert_num_queries(2):  # room, membership
        assert selectors.room_socket_member(code=busy.code, user=bob)[1].user_id == bob.pk
    with django_assert_num_queries(1):  # invite, room and inviter joined
        found = selectors.invite_get(code=invite.code)
        assert (found.room.code, found.created_by.handle) == (busy.code, "alice")
    with django_assert_num_queries(6):  # room, members, votes, connected, queue, messages
        snapshot = selectors.room_snapshot(room=busy, user=bob)
    assert (len(snapshot["members"]), len(snapshot["queue"]), len(snapshot["messages"])) == (ROWS + 2, ROWS + 2, ROWS + 2)
    assert snapshot["me"] == {
        "role": "member", "is_muted": False, "hand_raised_at": None, "can_control": False, "can_moderate": False,
        "can_lead": False, "can_chat": True, "member_actions": {"leader": [], "moderator": [], "member": []},
    }
