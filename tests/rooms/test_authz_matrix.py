"""Authorization matrix for rooms (RELIABILITY item 12): every rooms endpoint and page × every kind of caller.

Olive leads a public room (with Mia in it, a queue, a chat message, an invite) and a private one,
and waits for a language partner. The other user and staff are in neither room. The machinery
is tests/authz.py, shared with tests/accounts/test_authz_matrix.py.
"""

import datetime
from types import SimpleNamespace

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.services.tokens import api_token_create
from rooms.models import (
    ChatMessage,
    MatchRequest,
    QueueItem,
    Room,
    RoomBan,
    RoomInvite,
    RoomMember,
    RoomReminder,
    ScheduledRoom,
    SkipVote,
    Visibility,
)
from rooms.services.invites import invite_create
from rooms.sources import parse_source
from tests.accounts.factories import UserFactory, make_friends
from tests.authz import (
    TOKEN_ROLES,
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    caller,
    expect,
    ids,
    matrix_params,
    perform,
)
from tests.sockets import ORIGIN, application, call, login

from .conftest import room_path
from .factories import OTHER_YOUTUBE_URL, VIDEO_URL, RoomFactory, add_member, set_source

pytestmark = pytest.mark.django_db

PUBLIC = {"api-rooms"}  # the hallway (GET), as on the landing page; nothing else is open to anonymous callers


@pytest.fixture
def w():
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, mia=UserFactory(handle="mia"), fred=UserFactory(handle="fred"))
    w.owner, w.other = olive, UserFactory(handle="otto")
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    make_friends(olive, w.fred)
    w.room = set_source(RoomFactory(created_by=olive, name="Olive's room", leader__connections=1), VIDEO_URL, is_playing=True)
    add_member(w.room, w.mia)
    w.secret = RoomFactory(created_by=olive, name="Olive's secret", visibility=Visibility.PRIVATE)
    w.items = [queue_item(w.room, olive, url) for url in (OTHER_YOUTUBE_URL, "https://cdn.example.com/b.mp4")]
    w.message = ChatMessage.objects.create(room=w.room, author=olive, body="hello")
    w.invite = invite_create(actor=olive, room=w.secret)
    w.match = MatchRequest.objects.create(user=olive, speaks=["fr"], learns=["de"])
    w.scheduled = ScheduledRoom.objects.create(host=olive, name="Olive's film night",
                                               starts_at=timezone.now() + datetime.timedelta(days=1))
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def queue_item(room, user, url: str) -> QueueItem:
    source = parse_source(url)
    order = QueueItem.objects.filter(room=room).count()
    return QueueItem.objects.create(room=room, order=order, kind=source.kind, url=source.url, added_by=user)


def is_member(room, user) -> bool:
    return RoomMember.objects.filter(room=room, user=user).exists()


# -- checks: after a success, what the caller saw or changed -------------------------------------------------
def check_hallway(w, role, response):
    codes = {row["code"] for row in response.json()["results"]}
    assert w.room.code in codes and w.secret.code not in codes


def check_created(w, role, response):
    room = Room.objects.get(code=response.json()["code"])
    assert RoomMember.objects.get(room=room, role="leader").user == caller(w, role)


def check_settings(w, role, response):
    assert response.json()["code"] == w.room.code


def check_topic(w, role, response):
    assert Room.objects.get(pk=w.room.pk).topic == "edited"


def check_closed(w, role, response):
    assert Room.objects.get(pk=w.room.pk).closed_at is not None


def joined(room_attr: str):
    def check(w, role, response):
        assert is_member(getattr(w, room_attr), caller(w, role))
    return check


def check_invite_redeemed(w, role, response):
    assert is_member(w.secret, caller(w, role))
    assert RoomInvite.objects.get(pk=w.invite.pk).uses == (0 if as_owner(role) else 1)  # Olive was in already


def check_left(w, role, response):
    assert not is_member(w.room, w.olive) and RoomMember.objects.get(room=w.room, user=w.mia).role == "leader"


def check_members(w, role, response):
    assert {row["user"]["handle"] for row in response.json()} == {"olive", "mia"}


def check_kicked(w, role, response):
    assert not is_member(w.room, w.mia) and RoomBan.objects.filter(room=w.room, user=w.mia).exists()


def mia_is(**fields):
    def check(w, role, response):
        assert RoomMember.objects.filter(room=w.room, user=w.mia, **fields).exists()
    return check


def check_invite(w, role, response):
    assert RoomInvite.objects.get(code=response.json()["code"]).created_by == w.olive


def check_messages(w, role, response):
    assert w.message.pk in ids(response)


def check_sent(w, role, response):
    assert ChatMessage.objects.get(pk=response.json()["id"]).author == w.olive


def check_message_deleted(w, role, response):
    assert ChatMessage.objects.get(pk=w.message.pk).deleted_at is not None


def check_queue(w, role, response):
    assert [row["id"] for row in response.json()] == [item.pk for item in w.items]


def check_queued(w, role, response):
    assert QueueItem.objects.filter(room=w.room).count() == 3


def check_reordered(w, role, response):
    assert list(QueueItem.objects.filter(room=w.room).values_list("pk", flat=True)) == [w.items[1].pk, w.items[0].pk]


def check_skipped(w, role, response):
    assert Room.objects.get(pk=w.room.pk).source_url == w.items[0].url


def check_unqueued(w, role, response):
    assert not QueueItem.objects.filter(pk=w.items[0].pk).exists()


def check_playback(w, role, response):
    assert response.json()["source"]["url"] == VIDEO_URL


def check_paused(w, role, response):
    assert Room.objects.get(pk=w.room.pk).is_playing is False


def check_invite_preview(w, role, response):
    assert response.json()["code"] == w.secret.code


def check_match_status(w, role, response):
    assert response.json()["status"] == ("waiting" if as_owner(role) else "idle")


def check_match_queued(w, role, response):
    assert MatchRequest.objects.get(user=caller(w, role), status="waiting").speaks == ["ja"]


def check_match_cancelled(w, role, response):
    assert MatchRequest.objects.get(pk=w.match.pk).status == "cancelled"


R = "/rooms/{w.room.code}"
MIA = R + "/members/mia"
MEMBERS_ONLY = {"owner": 200, "other": 403}  # expect(**...) for reads of a room's insides

def check_upcoming(w, role, response):
    assert ids(response) == {w.scheduled.pk}


def check_scheduled(w, role, response):
    assert ScheduledRoom.objects.get(pk=response.json()["id"]).host == caller(w, role)


def check_schedule_cancelled(w, role, response):
    assert ScheduledRoom.objects.get(pk=w.scheduled.pk).status == "cancelled"


def check_reminded(w, role, response):
    assert RoomReminder.objects.filter(scheduled=w.scheduled, user=caller(w, role)).exists()


CASES = [
    # -- the hallway and creating: anyone signed in, on their own behalf
    Case("api-rooms", "get", "/rooms/", expect(200, owner=200), check=check_hallway),
    Case("api-rooms", "post", "/rooms/", expect(owner=201), scope="rooms:write", data={"name": "Mine", "visibility": "public"},
         check=check_created),
    # -- a room's settings: public rooms readable by anyone signed in; only the leader changes them
    Case("api-room", "get", R + "/", expect(owner=200), check=check_settings),
    Case("api-room", "get", "/rooms/{w.secret.code}/", expect(**MEMBERS_ONLY), label="get api-room (private)"),
    Case("api-room", "patch", R + "/", expect(owner=200, other=403), data={"topic": "edited"}, check=check_topic),
    Case("api-room", "delete", R + "/", expect(owner=204, other=403), check=check_closed),
    # -- membership: you join and leave yourself; a private room needs an invite
    Case("api-room-join", "post", R + "/join/", expect(owner=200), scope="rooms:write", data={}, check=joined("room")),
    Case("api-room-join", "post", "/rooms/{w.secret.code}/join/", expect(owner=200, other=403), scope="rooms:write", data={},
         check=joined("secret"), label="post api-room-join (private)"),
    Case("api-room-join", "post", "/rooms/{w.secret.code}/join/", expect(owner=200), scope="rooms:write",
         data=lambda: {"invite_code": RoomInvite.objects.get(room__name="Olive's secret").code},  # noqa: E501
         check=check_invite_redeemed, label="post api-room-join (private, invited)"),
    Case("api-room-leave", "post", R + "/leave/", expect(owner=204, other=404), scope="rooms:write", check=check_left),
    Case("api-room-members", "get", R + "/members/", expect(**MEMBERS_ONLY), check=check_members),
    # -- the leader's powers over another member
    Case("api-room-kick", "post", MIA + "/kick/", expect(owner=204, other=403), check=check_kicked),
    Case("api-room-mute", "post", MIA + "/mute/", expect(owner=200, other=403), data={"is_muted": True},
         check=mia_is(is_muted=True)),
    Case("api-room-role", "post", MIA + "/role/", expect(owner=200, other=403), data={"role": "moderator"},
         check=mia_is(role="moderator")),
    Case("api-room-transfer", "post", MIA + "/transfer/", expect(owner=200, other=403), check=mia_is(role="leader")),
    Case("api-room-lower-hand", "post", MIA + "/lower-hand/", expect(owner=200, other=403),
         check=mia_is(hand_raised_at=None)),
    # -- invites: members invite; the invite's code is the key to its preview
    Case("api-room-invites", "post", R + "/invites/", expect(owner=201, other=403), data={"expires_in": 600},
         check=check_invite),
    Case("api-room-invite-friend", "post", R + "/invites/friends/", expect(owner=201, other=403),
         data={"handle": "fred"}, check=check_invite),
    Case("api-room-invite", "get", "/room-invites/{w.invite.code}/", expect(owner=200), check=check_invite_preview),
    # -- chat, queue and playback: members only; deleting and skipping as the rules say
    Case("api-room-messages", "get", R + "/messages/", expect(**MEMBERS_ONLY), check=check_messages),
    Case("api-room-messages", "post", R + "/messages/", expect(owner=201, other=403), scope="chat:write", data={"body": "hi"},
         check=check_sent),
    Case("api-room-message", "delete", R + "/messages/{w.message.pk}/", expect(owner=204, other=403),
         check=check_message_deleted),
    Case("api-room-queue", "get", R + "/queue/", expect(**MEMBERS_ONLY), check=check_queue),
    Case("api-room-queue", "post", R + "/queue/", expect(owner=201, other=403),
         data={"url": "https://cdn.example.com/c.mp4", "title": "c"}, check=check_queued),
    Case("api-room-queue-reorder", "post", R + "/queue/reorder/", expect(owner=204, other=403),
         data=lambda: {"ids": list(QueueItem.objects.order_by("-order").values_list("pk", flat=True))},
         check=check_reordered),
    Case("api-room-queue-skip", "post", R + "/queue/skip/", expect(owner=204, other=403), check=check_skipped),
    Case("api-room-queue-skip-vote", "post", R + "/queue/skip-vote/", expect(owner=204, other=403),
         check=check_skipped),  # nobody is connected, so one vote is a majority
    Case("api-room-queue-item", "delete", R + "/queue/{w.items[0].pk}/", expect(owner=204, other=403),
         check=check_unqueued),
    Case("api-room-playback", "get", R + "/playback/", expect(**MEMBERS_ONLY), check=check_playback),
    Case("api-room-playback", "post", R + "/playback/", expect(owner=200, other=403), data={"action": "pause"},
         check=check_paused),
    # -- partner matching: your own request only
    Case("api-matchmaking", "get", "/matchmaking/", expect(owner=200), check=check_match_status),
    Case("api-matchmaking", "post", "/matchmaking/", expect(owner=409, other=201),
         data={"speaks": ["ja"], "learns": ["ko"]}, check=check_match_queued),
    Case("api-matchmaking", "delete", "/matchmaking/", expect(owner=204, other=404), check=check_match_cancelled),
    Case("api-matchmaking-next", "post", "/matchmaking/next/", expect(owner=404, other=404)),  # nobody was matched
    # -- scheduled rooms: anyone signed in lists, schedules their own and asks for reminders; the host cancels
    Case("api-scheduled-rooms", "get", "/scheduled-rooms/", expect(owner=200), check=check_upcoming),
    Case("api-scheduled-rooms", "post", "/scheduled-rooms/", expect(owner=201),
         data=lambda: {"name": "Later", "starts_at": (timezone.now() + datetime.timedelta(hours=2)).isoformat()},
         check=check_scheduled),
    Case("api-scheduled-room", "get", "/scheduled-rooms/{w.scheduled.pk}/", expect(owner=200)),
    Case("api-scheduled-room", "delete", "/scheduled-rooms/{w.scheduled.pk}/", expect(owner=200, other=403),
         check=check_schedule_cancelled),
    Case("api-scheduled-room-reminder", "post", "/scheduled-rooms/{w.scheduled.pk}/reminder/", expect(owner=201),
         check=check_reminded),
    Case("api-scheduled-room-reminder", "delete", "/scheduled-rooms/{w.scheduled.pk}/reminder/", expect(owner=200)),
]


def olive_state(w, role: str) -> dict:
    """Everything of Olive's rooms and requests, less the caller's own rows (joining a public room is theirs)."""
    rooms = [w.room.pk, w.secret.pk]
    mine = Q(user=caller(w, role)) if caller(w, role) else Q(pk__in=[])
    return {
        "rooms": list(Room.objects.filter(pk__in=rooms).order_by("pk").values()),
        "members": sorted(RoomMember.objects.filter(room__in=rooms).exclude(mine).values_list("room", "user", "role", "is_muted")),
        "bans": sorted(RoomBan.objects.filter(room__in=rooms).values_list("room", "user")),
        # (uses left out: redeeming an invite is the invitee's act; check_invite_redeemed counts them)
        "invites": sorted(RoomInvite.objects.filter(room__in=rooms).values_list("pk", "max_uses", "expires_at")),
        "messages": sorted(ChatMessage.objects.filter(room__in=rooms).values_list("pk", "body", "deleted_at")),
        "queue": sorted(QueueItem.objects.filter(room__in=rooms).values_list("pk", "order", "url")),
        "votes": sorted(SkipVote.objects.filter(room__in=rooms).exclude(mine).values_list("user", "source_url")),
        "match": sorted(MatchRequest.objects.filter(user=w.olive).values_list("pk", "status", "room", "partner")),
        "scheduled": sorted(ScheduledRoom.objects.filter(host=w.olive).values_list("pk", "status", "starts_at")),
        "reminders": sorted(RoomReminder.objects.filter(scheduled__host=w.olive).exclude(mine).values_list("user", flat=True)),
    }


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    before = olive_state(w, role)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and as_owner(role)):
        # Only Olive (or her token) changes Olive's rooms; others change only their own rows, refusals nothing.
        assert olive_state(w, role) == before


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("rooms", CASES, at_least=25)


@pytest.mark.parametrize("name, method, route", anonymous_params("rooms"))
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=PUBLIC, fill=w.room.code)


# -- the website's rooms pages: session callers only (a token is API-only, so it is treated as anonymous) -----
def page_expect(*, owner, other=None) -> dict:
    return {**expect(302, owner=owner, other=other, token=302), "oauth": 302, "oauth_read": 302}


def shows(marker: str, *, owner_marker: str | None = None):
    def check(w, role, response):
        assert (owner_marker if owner_marker and as_owner(role) else marker) in response.content.decode()
    return check


def check_page_join(room_attr: str):
    def check(w, role, response):
        assert response["Location"] == f"/r/{getattr(w, room_attr).code}/"
        assert is_member(getattr(w, room_attr), caller(w, role))
    return check


def check_invite_page(w, role, response):
    if as_owner(role):  # already in: straight to the room
        assert response["Location"] == f"/r/{w.secret.code}/"
    else:
        assert "@olive invited you to" in response.content.decode()


PAGES = [
    Case("hallway", "get", "/rooms/", page_expect(owner=200), check=shows('id="hallway-filters"')),
    Case("room-new", "get", "/rooms/new/", page_expect(owner=200), check=shows('id="room-form"')),
    Case("room-new", "post", "/rooms/new/", page_expect(owner=302), format="multipart", data={
        "name": "Mine", "kind": "watch", "visibility": "public", "max_members": 10, "playback_control": "leader",
        "chat_mode": "all", "slow_mode_seconds": 0}),
    # GET never joins: members see the room, others its preview with a Join button
    Case("room", "get", "/r/{w.room.code}/", page_expect(owner=200),
         check=shows('id="room-preview"', owner_marker='id="room"')),
    Case("room", "post", "/r/{w.room.code}/", page_expect(owner=302), check=check_page_join("room")),
    Case("room", "get", "/r/{w.secret.code}/", page_expect(owner=200, other=403), label="get room (private)"),
    Case("room", "post", "/r/{w.secret.code}/", page_expect(owner=302, other=403), label="post room (private)"),
    Case("room-invite", "get", "/i/{w.invite.code}/", page_expect(owner=302, other=200), check=check_invite_page),
    Case("room-invite", "post", "/i/{w.invite.code}/", page_expect(owner=302), check=check_page_join("secret")),
    Case("partner", "get", "/partner/", page_expect(owner=200)),
    Case("scheduled-room-calendar", "get", "/rooms/scheduled/{w.scheduled.pk}/calendar.ics", page_expect(owner=200),
         check=shows("BEGIN:VEVENT")),
]


@pytest.mark.parametrize("case, role", matrix_params(PAGES))
def test_pages(w, case: Case, role: str):
    before, memberships = olive_state(w, role), RoomMember.objects.count()
    response = perform(w, case, role, base="")
    expected = case.expected[role]
    assert response.status_code == expected, (role, response.status_code, response.content[:300])
    if expected == 302 and caller(w, role) is None or role in TOKEN_ROLES:
        assert response["Location"].startswith("/accounts/login/")
    elif expected < 400 and case.check:
        case.check(w, role, response)
    if not (expected < 400 and as_owner(role)):
        assert olive_state(w, role) == before
    if case.method == "get":
        assert RoomMember.objects.count() == memberships  # opening a page never joins


def test_every_rooms_page_is_in_the_matrix():
    from rooms.urls import urlpatterns

    assert {p.name for p in urlpatterns} == {case.name for case in PAGES}


# -- WebSocket handshakes: a foreign (or no) Origin, or no session, is refused ------------------------------------
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["room", "hallway"])
@pytest.mark.parametrize("origin, session", [
    pytest.param(b"http://evil.example", True, id="foreign origin"),
    pytest.param(b"http://localhost.evil.example", True, id="look-alike origin"),
    pytest.param(None, True, id="no origin"),
    pytest.param(ORIGIN, False, id="no session"),
    pytest.param(ORIGIN, "forged", id="unknown session"),
])
async def test_socket_handshakes_are_refused(path, origin, session):
    room = await call(lambda: RoomFactory(created_by=UserFactory(handle="olive")))
    key = {True: await call(login, room.created_by), False: None, "forged": "x" * 32}[session]
    headers = [(b"origin", origin)] if origin else []
    if key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    comm = WebsocketCommunicator(application(), room_path(room.code) if path == "room" else "/ws/hallway/", headers=headers)
    connected, _ = await comm.connect(timeout=5)
    try:
        if connected:  # the consumer accepts, then closes unauthenticated sockets with 4401
            output = await comm.receive_output(timeout=5)
            assert (output["type"], output.get("code")) == ("websocket.close", 4401), output
        else:
            assert origin != ORIGIN  # only the origin check refuses before accepting
    finally:
        await comm.disconnect()
    assert await call(lambda: RoomMember.objects.get(room=room, role="leader").connections) == 0
