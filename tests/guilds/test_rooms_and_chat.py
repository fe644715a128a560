"""Guild rooms (guilds.services.rooms, and the guild rule in rooms' room_join) and guild chat.

Event types asserted here: guilds.room created / closed, guilds.chat created / deleted (to guild.<id>).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Block
from chat.rate_limits import RATE_MAX_MESSAGES
from guilds.events import guild_group
from guilds.models import ActivityKind, GuildActivity, GuildMessage, GuildRole
from guilds.services import chat
from guilds.services.membership import guild_leave
from guilds.services.rooms import guild_room_close, guild_room_create
from rooms.models import Room, RoomMember, RoomRole, Visibility
from rooms.services.membership import room_join
from tests.accounts.factories import UserFactory, make_friends
from tests.rooms.conftest import refused
from tests.rooms.factories import RoomFactory

from .factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(guild, bob, carol):
    """alice leads Night Owls; bob is an officer; carol a member."""
    add_member(guild, bob, role=GuildRole.OFFICER)
    add_member(guild, carol)
    return guild


# -- guild rooms -------------------------------------------------------------------------------------
def test_an_officer_opens_a_guild_room(crew, bob, published, commit):
    with commit():
        room = guild_room_create(actor=bob, guild=crew, name="Friday horror", topic="Scary")
    room.refresh_from_db()
    assert (room.guild, room.visibility, room.name, room.topic) == (crew, Visibility.PRIVATE, "Friday horror", "Scary")
    assert RoomMember.objects.get(room=room).user == bob
    assert RoomMember.objects.get(room=room).role == RoomRole.LEADER
    activity = GuildActivity.objects.get(guild=crew)
    assert (activity.kind, activity.actor, activity.details) == (
        ActivityKind.ROOM_CREATED, bob, {"room_code": room.code, "room_name": "Friday horror"})
    events = [(groups, e) for groups, e, _ in published if e["type"] == "guilds.room"]
    assert [(groups, e["op"], e["room"]["code"]) for groups, e in events] == [([guild_group(crew.pk)], "created", room.code)]
    assert published.events("rooms.hallway") == []  # a private room is not in the hallway


def test_members_cannot_open_guild_rooms(crew, carol):
    with refused("guild_not_allowed", 403):
        guild_room_create(actor=carol, guild=crew, name="Mine")
    assert not Room.objects.exists()


def test_room_settings_are_still_checked(crew, alice):
    with refused("room_settings_invalid", 400):
        guild_room_create(actor=alice, guild=crew, name="Huge", max_members=51)


@pytest.mark.parametrize("visibility", [Visibility.PRIVATE, Visibility.FRIENDS])
def test_guild_members_enter_their_guild_rooms(crew, bob, carol, visibility):
    room = guild_room_create(actor=bob, guild=crew, name="Watch", visibility=visibility)
    assert room_join(user=carol, room=room).user == carol


@pytest.mark.parametrize(("visibility", "code"), [(Visibility.PRIVATE, "room_private"), (Visibility.FRIENDS, "room_friends_only")])
def test_outsiders_stay_out_of_guild_rooms(crew, bob, visibility, code):
    room = guild_room_create(actor=bob, guild=crew, name="Watch", visibility=visibility)
    with refused(code, 403):
        room_join(user=UserFactory(), room=room)


def test_friends_of_the_room_leader_still_enter_a_friends_guild_room(crew, bob):
    friend = UserFactory()
    make_friends(bob, friend)
    room = guild_room_create(actor=bob, guild=crew, name="Watch", visibility=Visibility.FRIENDS)
    assert room_join(user=friend, room=room).user == friend


def test_members_of_another_guild_stay_out(crew, bob):
    outsider = UserFactory()
    add_member(GuildFactory(), outsider)
    room = guild_room_create(actor=bob, guild=crew, name="Watch")
    with refused("room_private", 403):
        room_join(user=outsider, room=room)


def test_a_former_member_stays_out(crew, bob, carol):
    room = guild_room_create(actor=bob, guild=crew, name="Watch")
    guild_leave(actor=carol, guild=crew)
    with refused("room_private", 403):
        room_join(user=carol, room=room)


def test_the_guild_rule_does_not_open_locked_or_banned_rooms(crew, bob, carol):
    room = guild_room_create(actor=bob, guild=crew, name="Watch")
    Room.objects.filter(pk=room.pk).update(is_locked=True)
    with refused("room_locked", 403):
        room_join(user=carol, room=room)
    Block.objects.create(blocker=bob, blocked=carol)
    with refused("room_private", 403):
        room_join(user=carol, room=room)


def test_rooms_without_a_guild_are_unchanged(crew, carol):
    room = RoomFactory(visibility=Visibility.PRIVATE)
    with refused("room_private", 403):
        room_join(user=carol, room=room)


def test_an_officer_closes_a_guild_room(crew, alice, bob, published, commit):
    room = guild_room_create(actor=alice, guild=crew, name="Watch")
    published.clear()
    with commit():
        guild_room_close(actor=bob, guild=crew, code=room.code)
    room.refresh_from_db()
    assert room.closed_at is not None
    assert [(e["op"], e["code"]) for e in published.events("guilds.room")] == [("closed", room.code)]


def test_members_cannot_close_guild_rooms_and_other_rooms_are_not_the_guilds(crew, alice, carol):
    room = guild_room_create(actor=alice, guild=crew, name="Watch")
    with refused("guild_not_allowed", 403):
        guild_room_close(actor=carol, guild=crew, code=room.code)
    with refused("guild_room_not_found", 404):
        guild_room_close(actor=alice, guild=crew, code=RoomFactory().code)


# -- chat ----------------------------------------------------------------------------------------
def test_a_member_chats(crew, carol, published, commit):
    with commit():
        message = chat.guild_message_send(actor=carol, guild=crew, body="  hello owls  ")
    assert message.body == "hello owls"
    [(groups, event, close)] = published
    assert (groups, event["type"], event["op"], event["message"]["body"], event["message"]["author"]["handle"], close) == (
        [guild_group(crew.pk)], "guilds.chat", "created", "hello owls", "carol", None)


def test_outsiders_cannot_chat(crew, published, commit):
    with refused("not_a_guild_member", 403), commit():
        chat.guild_message_send(actor=UserFactory(), guild=crew, body="let me in")
    assert not GuildMessage.objects.exists() and published == []


@pytest.mark.parametrize(("body", "code"), [("   ", "message_empty"), ("x" * 501, "message_too_long")])
def test_message_length(crew, carol, body, code):
    with refused(code, 400):
        chat.guild_message_send(actor=carol, guild=crew, body=body)


def test_a_500_character_message_is_fine(crew, carol):
    assert len(chat.guild_message_send(actor=carol, guild=crew, body="x" * 500).body) == 500


def test_the_rate_limit(crew, carol):
    for i in range(RATE_MAX_MESSAGES):
        chat.guild_message_send(actor=carol, guild=crew, body=f"message {i}")
    with refused("chat_rate_limited", 429) as info:
        chat.guild_message_send(actor=carol, guild=crew, body="one too many")
    assert info.value.extra == {"retry_after": 5.0}
    GuildMessage.objects.update(created_at=timezone.now() - timedelta(seconds=6))
    chat.guild_message_send(actor=carol, guild=crew, body="later")


def test_authors_officers_and_the_leader_delete(crew, alice, bob, carol, published, commit):
    first, second, third = (chat.guild_message_send(actor=carol, guild=crew, body=b) for b in ("a", "b", "c"))
    with commit():
        chat.guild_message_delete(actor=carol, guild=crew, message_id=first.pk)
        chat.guild_message_delete(actor=bob, guild=crew, message_id=second.pk)
        chat.guild_message_delete(actor=alice, guild=crew, message_id=third.pk)
    assert [(e["op"], e["id"]) for e in published.events("guilds.chat")] == [
        ("deleted", first.pk), ("deleted", second.pk), ("deleted", third.pk)]
    assert GuildMessage.objects.filter(deleted_at__isnull=False).count() == 3
    with refused("message_not_found", 404):
        chat.guild_message_delete(actor=carol, guild=crew, message_id=first.pk)


def test_members_cannot_delete_others_messages(crew, bob, carol):
    message = chat.guild_message_send(actor=bob, guild=crew, body="officer talk")
    with refused("guild_not_allowed", 403):
        chat.guild_message_delete(actor=carol, guild=crew, message_id=message.pk)
    with refused("message_not_found", 404):
        chat.guild_message_delete(actor=bob, guild=GuildFactory(), message_id=message.pk)
