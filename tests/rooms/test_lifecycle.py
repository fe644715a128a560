"""A room's life: permanent rooms stay open while empty, stale rooms close, a closed room's link says where to go.

rooms.services.membership (room_leave, room_join, rooms_sweep) and the /r/<code>/ page of a closed room.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from rooms.models import Room, RoomMember, RoomRole, Visibility
from rooms.services.invites import invite_create
from rooms.services.membership import NEVER_CONNECTED_GRACE, room_create, room_join, room_leave, rooms_sweep
from tests.api import signed_in

from .factories import RoomFactory, add_member

pytestmark = pytest.mark.django_db


def ago(delta: timedelta) -> timezone.datetime:
    return timezone.now() - delta


def is_open(room) -> bool:
    return Room.objects.get(pk=room.pk).closed_at is None


def events(published) -> list[tuple[str, str]]:
    return [(e["type"], e["op"]) for _, e, _ in published]


# -- permanent rooms ------------------------------------------------------------------------------------------
def test_creating_a_permanent_room_through_the_api(alice):
    response = signed_in(alice).post("/api/v1/rooms/", {"name": "Always on", "is_permanent": True}, format="json")
    assert response.status_code == 201 and response.json()["is_permanent"] is True
    assert Room.objects.get(code=response.json()["code"]).is_permanent
    plain = signed_in(alice).post("/api/v1/rooms/", {"name": "Tonight only"}, format="json").json()
    assert plain["is_permanent"] is False


def test_the_create_form_has_the_permanent_checkbox(alice):
    client = Client()
    client.force_login(alice)
    assert 'name="is_permanent"' in client.get("/rooms/new/").content.decode()
    response = client.post("/rooms/new/", {"kind": "watch", "name": "Club", "visibility": "public", "max_members": 10,
                                            "playback_control": "leader", "chat_mode": "all", "slow_mode_seconds": 0,
                                            "is_permanent": "on"})
    assert response.status_code == 302
    assert Room.objects.get(name="Club").is_permanent


def test_a_permanent_room_stays_open_when_the_last_member_leaves(alice, published, commit):
    with commit():
        room = room_create(creator=alice, name="Lounge", visibility=Visibility.PUBLIC, is_permanent=True)
    published.clear()
    with commit():
        room_leave(user=alice, room=room)
    assert is_open(room) and not RoomMember.objects.filter(room=room).exists()
    assert ("rooms.room", "closed") not in events(published)
    assert ("rooms.hallway", "updated") in events(published)  # its card now shows nobody in


def test_whoever_enters_an_empty_permanent_room_leads_it(alice, bob, carol):
    room = RoomFactory(created_by=alice, is_permanent=True, leader=False)
    assert room_join(user=bob, room=room).role == RoomRole.LEADER
    assert room_join(user=carol, room=room).role == RoomRole.MEMBER


def test_a_plain_room_still_closes_when_the_last_member_leaves(alice, commit):
    room = RoomFactory(created_by=alice)
    with commit():
        room_leave(user=alice, room=room)
    assert not is_open(room)


# -- the sweep --------------------------------------------------------------------------------------------------
def test_sweep_closes_a_room_whose_leader_never_came(alice, published, commit):
    # given a room made over the API ten minutes ago whose leader never opened it
    room = RoomFactory(created_by=alice)
    RoomMember.objects.filter(room=room).update(joined_at=ago(NEVER_CONNECTED_GRACE + timedelta(seconds=1)))
    with commit():
        assert rooms_sweep() == 1
    assert not is_open(room)
    assert events(published).count(("rooms.room", "closed")) == 1
    published.clear()
    with commit():
        assert rooms_sweep() == 0  # idempotent: nothing more to do, nothing said
    assert published == []


def test_sweep_leaves_a_fresh_never_connected_member_alone(alice):
    room = RoomFactory(created_by=alice)
    RoomMember.objects.filter(room=room).update(joined_at=ago(NEVER_CONNECTED_GRACE - timedelta(minutes=1)))
    assert rooms_sweep() == 0
    assert is_open(room) and RoomMember.objects.filter(room=room).exists()


def test_sweep_keeps_a_permanent_room_open_after_removing_its_stale_members(alice, commit):
    room = RoomFactory(created_by=alice, is_permanent=True)
    RoomMember.objects.filter(room=room).update(connections=0, disconnected_at=ago(timedelta(minutes=5)))
    with commit():
        assert rooms_sweep() == 1
    assert is_open(room) and not RoomMember.objects.filter(room=room).exists()
    with commit():
        assert rooms_sweep() == 0


def test_sweep_closes_old_empty_rooms_but_not_permanent_ones(alice, published, commit):
    empty = RoomFactory(created_by=alice, leader=False)
    permanent = RoomFactory(created_by=alice, leader=False, is_permanent=True)
    young = RoomFactory(created_by=alice, leader=False)
    Room.objects.filter(pk__in=[empty.pk, permanent.pk]).update(created_at=ago(NEVER_CONNECTED_GRACE * 2))
    with commit():
        assert rooms_sweep() == 1
    assert (is_open(empty), is_open(permanent), is_open(young)) == (False, True, True)
    published.clear()
    with commit():
        assert rooms_sweep() == 0
    assert published == []


def test_sweep_query_count_when_nothing_is_due(alice, django_assert_num_queries):
    for _ in range(5):
        RoomFactory(leader__connections=1, leader__last_heartbeat_at=timezone.now())
    with django_assert_num_queries(4):  # stale sockets (held rooms, update), absent members, empty rooms
        assert rooms_sweep() == 0


# -- a closed room's link ----------------------------------------------------------------------------------------
@pytest.fixture
def live_and_closed(alice, bob):
    live = RoomFactory(created_by=bob, name="Anime night", leader__connections=1)
    closed = RoomFactory(created_by=alice, name="Friday movie night", leader=False, closed_at=timezone.now())
    return live, closed


@pytest.mark.parametrize("signed_in_as", [None, "carol"])
def test_a_closed_room_shows_what_is_live_now(live_and_closed, carol, signed_in_as):
    live, closed = live_and_closed
    client = Client()
    if signed_in_as:
        client.force_login(carol)
    response = client.get(f"/r/{closed.code}/")
    html = response.content.decode()
    assert response.status_code == 410
    assert "“Friday movie night” has ended" in html and 'id="room-closed"' in html
    assert f'href="/r/{live.code}/"' in html and "Anime night" in html
    assert ("Create your account" in html) is (signed_in_as is None)


def test_a_closed_private_room_keeps_its_name(alice, bob):
    closed = RoomFactory(created_by=alice, name="Secret club", visibility=Visibility.PRIVATE, closed_at=timezone.now())
    client = Client()
    client.force_login(bob)
    response = client.get(f"/r/{closed.code}/")
    assert response.status_code == 410 and "Secret club" not in response.content.decode()


def test_an_invite_to_a_closed_room_shows_the_same_page(alice, bob, live_and_closed):
    room = RoomFactory(created_by=alice, name="Party")
    invite = invite_create(actor=alice, room=room)
    Room.objects.filter(pk=room.pk).update(closed_at=timezone.now())
    client = Client()
    client.force_login(bob)
    response = client.get(f"/i/{invite.code}/")
    assert response.status_code == 410 and "Anime night" in response.content.decode()


def test_an_open_room_still_asks_visitors_to_sign_in(live_and_closed):
    live, _ = live_and_closed
    response = Client().get(f"/r/{live.code}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_closed_page_query_count(live_and_closed, django_assert_num_queries):
    _, closed = live_and_closed
    for _ in range(4):
        add_member(RoomFactory(leader__connections=1))
    with django_assert_num_queries(3):  # the room, live rooms (counts annotated), their leaders
        assert Client().get(f"/r/{closed.code}/").status_code == 410
