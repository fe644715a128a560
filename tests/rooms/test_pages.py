"""The room page and invite links: GET shows (a preview of) the room and never joins; the Join button POSTs."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Block
from rooms.models import Room, RoomBan, RoomInvite, RoomMember, Visibility
from rooms.services.invites import invite_create
from tests.accounts.factories import make_friends

from .factories import RoomFactory, add_member, add_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(alice, carol):
    """A public watch room led by alice, with carol in it."""
    room = RoomFactory(created_by=alice, name="Movie night", topic="Sci-fi")
    add_member(room, carol)
    return room


@pytest.fixture
def as_bob(bob):
    client = Client()
    client.force_login(bob)
    return client


def page(room) -> str:
    return f"/r/{room.code}/"


def is_member(room, user) -> bool:
    return RoomMember.objects.filter(room=room, user=user).exists()


def assert_refused(response, status: int, code: str, room, user):
    assert response.status_code == status
    assert "rooms/refused.html" in [t.name for t in response.templates]
    assert f'data-code="{code}"' in response.content.decode()
    assert not is_member(room, user)


def test_get_shows_a_preview_and_does_not_join(room, bob, as_bob):
    response = as_bob.get(page(room))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="room-preview"' in html and 'id="room"' not in html
    assert "Movie night" in html and "Watch party" in html and "Sci-fi" in html
    assert "2/10 people" in html
    assert 'data-handle="alice"' in html and 'data-handle="carol"' in html
    assert f'action="/r/{room.code}/"' in html and "csrfmiddlewaretoken" in html
    assert not is_member(room, bob)


def test_post_joins_and_redirects_to_the_room(room, bob, as_bob):
    response = as_bob.post(page(room))
    assert (response.status_code, response["Location"]) == (302, page(room))
    assert RoomMember.objects.get(room=room, user=bob).role == "member"
    response = as_bob.get(page(room))
    html = response.content.decode()
    assert 'id="room"' in html and 'data-role="member"' in html and 'id="room-preview"' not in html


def test_members_see_the_room(room, alice):
    client = Client()
    client.force_login(alice)
    response = client.get(page(room))
    assert 'data-role="leader"' in response.content.decode()
    assert client.post(page(room))["Location"] == page(room)  # joining again changes nothing
    assert RoomMember.objects.filter(room=room).count() == 2


def test_join_needs_the_csrf_token(room, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.post(page(room)).status_code == 403
    assert not is_member(room, bob)


def test_anonymous_visitors_are_sent_to_sign_in(room):
    response = Client().get(page(room))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().post(page(room)).status_code == 302
    assert RoomMember.objects.filter(room=room).count() == 2


def full(room, bob):
    add_members(room, 8)


def locked(room, bob):
    Room.objects.filter(pk=room.pk).update(is_locked=True)


def private(room, bob):
    Room.objects.filter(pk=room.pk).update(visibility=Visibility.PRIVATE)


def friends_only(room, bob):
    Room.objects.filter(pk=room.pk).update(visibility=Visibility.FRIENDS)
    make_friends(bob, room.members.get(user__handle="carol").user)  # a member's friend, not the leader's


def banned(room, bob):
    RoomBan.objects.create(room=room, user=bob, until=timezone.now() + timedelta(minutes=5))


def blocked(room, bob):
    Block.objects.create(blocker=room.created_by, blocked=bob)


REFUSALS = [
    (full, 409, "room_full", "The room is full."),
    (locked, 403, "room_locked", "The room is locked."),
    (private, 403, "room_private", "you need an invite"),
    (friends_only, 403, "room_friends_only", "Only friends of the leader can join."),
    (banned, 403, "room_banned", "You were removed from this room."),
    (blocked, 403, "room_private", "You can&#x27;t join this room."),
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("given, status, code, reason", [pytest.param(*r, id=r[0].__name__) for r in REFUSALS])
def test_refusals_show_the_reason(room, bob, as_bob, method, given, status, code, reason):
    given(room, bob)
    response = getattr(as_bob, method)(page(room))
    assert_refused(response, status, code, room, bob)
    assert reason in response.content.decode()
    assert "Movie night" not in response.content.decode()  # the reason only: a private room stays private


def test_unknown_room(as_bob):
    response = as_bob.get("/r/nosuchroom/")
    assert response.status_code == 404 and 'data-code="room_not_found"' in response.content.decode()


# -- invite links -------------------------------------------------------------------------------------------
@pytest.fixture
def private_room(alice):
    return RoomFactory(created_by=alice, name="Friday film", visibility=Visibility.PRIVATE)


def uses(invite) -> int:
    return RoomInvite.objects.get(pk=invite.pk).uses


def test_invite_link_asks_before_joining(private_room, alice, bob, as_bob):
    invite = invite_create(actor=alice, room=private_room, max_uses=1)
    response = as_bob.get(f"/i/{invite.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "@alice invited you to" in html and "Friday film" in html and f'action="/i/{invite.code}/"' in html
    assert not is_member(private_room, bob) and uses(invite) == 0

    response = as_bob.post(f"/i/{invite.code}/")
    assert (response.status_code, response["Location"]) == (302, page(private_room))
    assert is_member(private_room, bob) and uses(invite) == 1
    # Back on the link as a member: straight into the room, the invite not used again.
    assert as_bob.get(f"/i/{invite.code}/")["Location"] == page(private_room)
    assert uses(invite) == 1


def test_a_used_up_invite_is_refused_on_the_page_and_on_join(private_room, alice, bob, carol, as_bob):
    invite = invite_create(actor=alice, room=private_room, max_uses=1)
    add_member(private_room, carol)
    RoomInvite.objects.filter(pk=invite.pk).update(uses=1)
    assert_refused(as_bob.get(f"/i/{invite.code}/"), 403, "invite_used_up", private_room, bob)
    assert_refused(as_bob.post(f"/i/{invite.code}/"), 403, "invite_used_up", private_room, bob)


def test_an_expired_invite_is_refused(private_room, alice, bob, as_bob):
    invite = invite_create(actor=alice, room=private_room)
    RoomInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_refused(as_bob.post(f"/i/{invite.code}/"), 403, "invite_expired", private_room, bob)


def test_an_unknown_invite(as_bob):
    response = as_bob.get("/i/nosuchcode/")
    assert response.status_code == 404 and 'data-code="invite_invalid"' in response.content.decode()


@pytest.mark.parametrize(("query", "mic_on"), [("?kind=voice", True), ("", False), ("?kind=watch", False)])
def test_a_new_voice_room_starts_with_microphones_on(alice, query, mic_on):
    client = Client()
    client.force_login(alice)
    form = client.get(f"/rooms/new/{query}").context["form"]
    assert form["is_mic_enabled"].value() is mic_on
