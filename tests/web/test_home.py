"""The landing page (signed out) and the home page (signed in), and the selectors they compose."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import PresenceConnection
from accounts.selectors import friends_online
from rooms.models import Visibility
from rooms.selectors import rooms_to_join
from tests.accounts.factories import UserFactory, make_friends
from tests.gamification.factories import EventFactory, EventTaskFactory
from tests.rooms.factories import RoomFactory, add_member

pytestmark = pytest.mark.django_db


def online(user) -> None:
    PresenceConnection.objects.create(user=user, channel_name=f"c{user.pk}", last_heartbeat_at=timezone.now())


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- the landing page ---------------------------------------------------------------------------------------------
@pytest.fixture
def public_rooms():
    return {
        "live": RoomFactory(name="Anime night", topic="Subs only", leader__connections=1),
        "permanent": RoomFactory(name="Always open lounge", is_permanent=True, leader=False),
        "never": RoomFactory(name="Never entered"),  # made over the API, nobody came
        "private": RoomFactory(name="Secret", visibility=Visibility.PRIVATE, leader__connections=1),
    }


def test_the_landing_page_says_what_this_is_and_shows_what_is_live(public_rooms, django_assert_num_queries):
    for _ in range(3):  # more live rooms with members: an N+1 would show
        add_member(RoomFactory(leader__connections=1))
    with django_assert_num_queries(2):  # live rooms (counts annotated), their leaders
        response = Client().get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Watch, talk and stream together." in html and "Watch parties" in html and "Voice rooms" in html
    assert "Anime night" in html and "Always open lounge" in html
    assert "Never entered" not in html and "Secret" not in html
    assert 'id="live-streams"' in html and 'data-slot="streams"' in html and "Coming soon" in html
    assert 'href="/accounts/signup/"' in html


def test_the_landing_page_with_nothing_live():
    html = Client().get("/").content.decode()
    assert "Nothing public is live this minute" in html


# -- the home page ------------------------------------------------------------------------------------------------
def test_a_new_user_home_suggests_rooms_friends_and_events(alice, bob, carol, public_rooms, django_assert_num_queries):
    # given a friend online leading a friends-only room, a friend offline, a running and a finished event
    make_friends(alice, bob)
    make_friends(alice, carol)
    online(bob)
    friends_room = RoomFactory(created_by=bob, name="Bob's couch", visibility=Visibility.FRIENDS, leader__connections=1)
    mine = RoomFactory(created_by=alice, name="Alice's own room", leader__connections=1)
    EventTaskFactory(event=EventFactory(title="Marathon weekend"))
    EventFactory(title="Long gone", starts_at=timezone.now() - timedelta(days=30))
    client = as_user(alice)
    client.get("/")  # the first request of a session may write (last seen, daily login)
    # when
    # the user; friends, rooms, leaders; events, tasks, progress; notifications; friends online; requests
    with django_assert_num_queries(10):
        response = client.get("/")
    html = response.content.decode()
    # then
    rooms = html[html.index('id="home-rooms"'):html.index('id="home-events"')]
    assert "Bob&#x27;s couch" in rooms and "Anime night" in rooms and "Always open lounge" in rooms
    assert rooms.index("Bob&#x27;s couch") < rooms.index("Anime night")  # where a friend is, first
    assert "Alice&#x27;s own room" not in rooms and "Never entered" not in rooms
    assert f'href="/r/{friends_room.code}/"' in rooms and f'href="/r/{mine.code}/"' not in rooms
    friends = html[html.index('id="home-friends"'):]
    assert "@bob" in friends and "@carol" not in friends
    assert "Marathon weekend" in html and "Long gone" not in html
    assert "0 of 1 task done" in html


def test_the_home_of_someone_with_nothing_around(alice):
    html = as_user(alice).get("/").content.decode()
    assert "Nothing live you can join right now" in html
    assert "None of your friends are online" in html
    assert "No events running" in html
    assert 'id="home-requests"' not in html  # no empty cards


# -- the selectors ------------------------------------------------------------------------------------------------
def test_rooms_to_join(alice, bob, django_assert_num_queries):
    make_friends(alice, bob)
    stranger = UserFactory()
    with_friend = RoomFactory(name="With bob", leader__connections=1)
    add_member(with_friend, bob, connections=1)
    busy = RoomFactory(name="Busy", leader__connections=1)
    for _ in range(3):
        add_member(busy, connections=1)
    RoomFactory(name="Stranger's friends room", created_by=stranger, visibility=Visibility.FRIENDS, leader__connections=1)
    RoomFactory(name="Locked", is_locked=True, leader__connections=1)
    full = RoomFactory(name="Full", max_members=2, leader__connections=1)
    add_member(full)
    RoomFactory(name="Closed", closed_at=timezone.now(), leader__connections=1)
    with django_assert_num_queries(3):  # friends, rooms, leaders
        rooms = rooms_to_join(user=alice)
        assert [(r.name, r.friends_inside, r.leader_members[0].user.handle is not None) for r in rooms] == [
            ("With bob", 1, True), ("Busy", 0, True)]


def test_friends_online(alice, bob, carol, dave, django_assert_num_queries):
    for friend in (bob, carol, dave):
        make_friends(alice, friend)
    online(bob)
    online(dave)
    PresenceConnection.objects.create(user=carol, channel_name="stale", last_heartbeat_at=timezone.now() - timedelta(hours=1))
    online(UserFactory())  # not a friend
    with django_assert_num_queries(1):
        assert [u.handle for u in friends_online(user=alice)] == ["bob", "dave"]
