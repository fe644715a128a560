"""Creating, joining, leaving and running a room (rooms.services.membership and .invites).

Event types asserted here (count and shape), as services publish them after commit:
  rooms.member joined / left / updated / kicked (+ rooms.room removed to the kicked user's group, close 4403)
  rooms.room updated / closed (close 4410)
  rooms.hallway created / updated / closed (public, non-matchmade rooms only)
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Block, Notification
from config.disconnects import Disconnect
from rooms.events import HALLWAY_GROUP, room_group, room_user_group
from rooms.models import Room, RoomBan, RoomInvite, RoomKind, RoomMember, RoomRole, Visibility
from rooms.notification_kinds import NotificationKind
from rooms.services.invites import invite_create, invite_friend
from rooms.services.membership import (
    KICK_BAN,
    leadership_transfer,
    member_kick,
    member_mute,
    member_set_role,
    room_close,
    room_create,
    room_join,
    room_leave,
    room_update,
    rooms_sweep,
)
from tests.accounts.factories import UserFactory, make_friends

from .conftest import refused
from .factories import YOUTUBE_ID, YOUTUBE_URL, RoomFactory, add_member, add_members, leader_of

pytestmark = pytest.mark.django_db

MEMBER_KEYS = {"user", "role", "is_muted", "joined_at", "is_connected", "is_buffering", "drift_ms", "hand_raised_at"}
USER_KEYS = {"id", "handle", "display_name", "avatar_url"}
ROOM_KEYS = {"code", "kind", "name", "topic", "languages", "visibility", "max_members", "is_mic_enabled",
             "playback_control", "chat_mode", "slow_mode_seconds", "is_locked", "wait_for_ready", "is_matchmade", "is_permanent",
             "created_at", "closed_at"}
HALLWAY_KEYS = {"code", "kind", "name", "topic", "languages", "visibility", "max_members", "member_count",
                "is_locked", "is_mic_enabled", "is_permanent", "leader", "source_kind", "created_at"}


@pytest.fixture
def room(alice):
    """A public watch room led by alice."""
    return RoomFactory(created_by=alice, name="Movie night")


def members_of(room) -> dict[str, str]:
    return dict(RoomMember.objects.filter(room=room).values_list("user__handle", "role"))


def one(published, type_: str, op: str) -> tuple[list[str], dict, dict | None]:
    """The single (groups, event, close) of this type and op."""
    matching = [entry for entry in published if entry[1]["type"] == type_ and entry[1].get("op") == op]
    assert len(matching) == 1, [e for _, e, _ in published]
    return matching[0]


def assert_member_event(event: dict, op: str, handle: str, **fields) -> None:
    assert set(event) == {"type", "op", "member"}
    assert (event["type"], event["op"]) == ("rooms.member", op)
    assert set(event["member"]) == MEMBER_KEYS
    assert set(event["member"]["user"]) == USER_KEYS
    assert event["member"]["user"]["handle"] == handle
    for field, value in fields.items():
        assert event["member"][field] == value, (field, event["member"])


def set_joined(member: RoomMember, seconds_ago: float) -> None:
    RoomMember.objects.filter(pk=member.pk).update(joined_at=timezone.now() - timedelta(seconds=seconds_ago))


# -- creating ---------------------------------------------------------------------------------------------
def test_watch_room_defaults(alice):
    room = room_create(creator=alice, name="  Movie night  ")
    assert (room.kind, room.max_members, room.is_mic_enabled, room.name) == (RoomKind.WATCH, 10, False, "Movie night")
    assert room.visibility == Visibility.FRIENDS and room.closed_at is None
    assert members_of(room) == {"alice": RoomRole.LEADER}


def test_voice_room_defaults(alice):
    room = room_create(creator=alice, name="Spanish practice", kind="voice")
    assert (room.kind, room.max_members, room.is_mic_enabled) == (RoomKind.VOICE, 12, True)


def test_create_with_a_source_starts_paused_at_its_start(alice):
    room = room_create(creator=alice, name="Clip", source_url=f"https://youtu.be/{YOUTUBE_ID}?t=30")
    room.refresh_from_db()
    assert (room.source_kind, room.source_url, room.source_media_id) == ("youtube", YOUTUBE_URL, YOUTUBE_ID)
    assert (room.is_playing, room.position, room.state_version) == (False, 30.0, 0)


def test_create_with_a_bad_source_creates_nothing(alice):
    with refused("source_invalid"):
        room_create(creator=alice, name="Clip", source_url="javascript:alert(1)")
    assert not Room.objects.exists()


@pytest.mark.parametrize(
    "kind, max_members, ok",
    [("watch", 2, True), ("watch", 20, True), ("watch", 21, False), ("watch", 1, False),
     ("voice", 2, True), ("voice", 12, True), ("voice", 13, False), ("voice", 50, False)],
)
def test_max_members_bounds(alice, kind, max_members, ok):
    if ok:
        assert room_create(creator=alice, name="R", kind=kind, max_members=max_members).max_members == max_members
        return
    with refused("room_settings_invalid") as info:
        room_create(creator=alice, name="R", kind=kind, max_members=max_members)
    assert "max_members" in info.value.extra["fields"]
    assert not Room.objects.exists()


def test_blank_name_is_refused(alice):
    with refused("room_settings_invalid") as info:
        room_create(creator=alice, name="   ")
    assert "name" in info.value.extra["fields"]


@pytest.mark.parametrize(
    "fields",
    [{"max_members": 51}, {"max_members": 1}, {"kind": "voice", "max_members": 13}, {"rate": 2.5}, {"rate": 0.2}],
    ids=["watch-51", "one", "voice-13", "rate-high", "rate-low"],
)
def test_database_check_constraints(alice, fields):
    # The last line of defence, below the service's own validation.
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(name="R", created_by=alice, **fields)


def test_public_room_creation_is_announced_in_the_hallway(alice, published, commit):
    with commit():
        room = room_create(creator=alice, name="Movie night", visibility="public", languages=["en", "es"])
    assert len(published) == 1
    groups, event, close = published[0]
    assert (groups, close) == ([HALLWAY_GROUP], None)
    assert set(event) == {"type", "op", "room"}
    assert (event["type"], event["op"]) == ("rooms.hallway", "created")
    assert set(event["room"]) == HALLWAY_KEYS
    assert (event["room"]["code"], event["room"]["member_count"], event["room"]["leader"]["handle"]) == (room.code, 1, "alice")
    assert event["room"]["languages"] == ["en", "es"]


@pytest.mark.parametrize("visibility", ["friends", "private"])
def test_non_public_rooms_never_reach_the_hallway(alice, bob, published, commit, visibility):
    make_friends(alice, bob)
    with commit():
        room = room_create(creator=alice, name="Ours", visibility=visibility)
        invite = invite_create(actor=alice, room=room)
        room_join(user=bob, room=room, invite_code=invite.code)
        room_update(actor=alice, room=room, topic="new")
        room_leave(user=bob, room=room)
        room_close(actor=alice, room=room)
    assert published.events("rooms.hallway") == []
    assert [e["op"] for e in published.events("rooms.room")] == ["updated", "removed", "closed"]


# -- joining --------------------------------------------------------------------------------------------
def test_join_a_public_room(room, bob, published, commit):
    with commit():
        member = room_join(user=bob, room=room)
    assert (member.role, member.connections) == (RoomRole.MEMBER, 0)
    assert members_of(room) == {"alice": "leader", "bob": "member"}
    assert len(published) == 2
    groups, event, close = one(published, "rooms.member", "joined")
    assert (groups, close) == ([room_group(room.pk)], None)
    assert_member_event(event, "joined", "bob", role="member", is_connected=False, is_muted=False)
    groups, event, _ = one(published, "rooms.hallway", "updated")
    assert groups == [HALLWAY_GROUP]
    assert (event["room"]["code"], event["room"]["member_count"]) == (room.code, 2)


def test_joining_twice_returns_the_membership(room, bob, published, commit):
    first = room_join(user=bob, room=room)
    with commit():
        again = room_join(user=bob, room=room)
    assert again.pk == first.pk
    assert published == []
    assert RoomMember.objects.filter(room=room).count() == 2


def test_full_room_refuses(room, bob):
    add_members(room, 9)
    with refused("room_full", 409) as info:
        room_join(user=bob, room=room)
    assert info.value.extra == {"max_members": 10}
    assert RoomMember.objects.filter(room=room).count() == 10


def test_locked_room_refuses(room, bob):
    Room.objects.filter(pk=room.pk).update(is_locked=True)
    with refused("room_locked", 403):
        room_join(user=bob, room=room)


def test_private_room_needs_an_invite(alice, bob):
    room = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE)
    with refused("room_private", 403):
        room_join(user=bob, room=room)
    invite = invite_create(actor=alice, room=room)
    assert room_join(user=bob, room=room, invite_code=invite.code).user == bob
    invite.refresh_from_db()
    assert invite.uses == 1


def test_an_invite_opens_a_locked_room(room, alice, bob):
    Room.objects.filter(pk=room.pk).update(is_locked=True)
    invite = invite_create(actor=alice, room=room)
    room_join(user=bob, room=room, invite_code=invite.code)
    assert "bob" in members_of(room)


def test_friends_only_room(alice, bob, carol):
    room = RoomFactory(created_by=alice, visibility=Visibility.FRIENDS)
    with refused("room_friends_only", 403):
        room_join(user=bob, room=room)
    make_friends(alice, carol)
    room_join(user=carol, room=room)
    assert members_of(room) == {"alice": "leader", "carol": "member"}


def test_friends_only_means_friends_of_the_leader_not_of_members(alice, bob, carol):
    room = RoomFactory(created_by=alice, visibility=Visibility.FRIENDS)
    add_member(room, bob)
    make_friends(bob, carol)
    with refused("room_friends_only"):
        room_join(user=carol, room=room)


def test_matchmade_room_is_private(alice, bob):
    room = RoomFactory(created_by=alice, kind=RoomKind.VOICE, is_matchmade=True, max_members=3)
    with refused("room_private"):
        room_join(user=bob, room=room)


def test_kicked_member_is_banned_for_ten_minutes(room, alice, bob):
    room_join(user=bob, room=room)
    member_kick(actor=alice, room=room, target=bob)
    ban = RoomBan.objects.get(room=room, user=bob)
    assert ban.until - timezone.now() == pytest.approx(KICK_BAN, abs=timedelta(seconds=5))
    assert KICK_BAN == timedelta(minutes=10)
    with refused("room_banned", 403) as info:
        room_join(user=bob, room=room)
    assert info.value.extra == {"until": ban.until.isoformat()}
    invite = invite_create(actor=alice, room=room)
    with refused("room_banned"):  # an invite doesn't lift a ban
        room_join(user=bob, room=room, invite_code=invite.code)

    # when the ban ends, bob may come back
    RoomBan.objects.filter(pk=ban.pk).update(until=timezone.now() - timedelta(seconds=1))
    room_join(user=bob, room=room)
    assert members_of(room)["bob"] == "member"


def test_ban_for_good(room, alice, bob):
    add_member(room, bob)
    member_kick(actor=alice, room=room, target=bob, ban_for=None)
    with refused("room_banned") as info:
        room_join(user=bob, room=room)
    assert info.value.extra == {"until": None}


@pytest.mark.parametrize("who_blocks", ["leader", "joiner"])
def test_block_between_leader_and_joiner_refuses(room, alice, bob, who_blocks):
    blocker, blocked = (alice, bob) if who_blocks == "leader" else (bob, alice)
    Block.objects.create(blocker=blocker, blocked=blocked)
    with refused("room_private", 403):
        room_join(user=bob, room=room)


def test_closed_room_refuses(room, alice, bob):
    room_close(actor=alice, room=room)
    with refused("room_closed", 400):
        room_join(user=bob, room=room)


# -- invites ----------------------------------------------------------------------------------------------
def test_single_use_invite_is_used_up(alice, bob, carol):
    room = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE)
    invite = invite_create(actor=alice, room=room, max_uses=1)
    room_join(user=bob, room=room, invite_code=invite.code)
    with refused("invite_used_up", 403):
        room_join(user=carol, room=room, invite_code=invite.code)
    invite.refresh_from_db()
    assert invite.uses == 1
    assert "carol" not in members_of(room)


def test_expired_invite(alice, bob):
    room = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE)
    invite = invite_create(actor=alice, room=room, expires_in=60)
    RoomInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with refused("invite_expired", 403):
        room_join(user=bob, room=room, invite_code=invite.code)


def test_unknown_invite_code(alice, bob):
    room = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE)
    with refused("invite_invalid", 403):
        room_join(user=bob, room=room, invite_code="nope")


def test_invite_to_another_room_is_invalid(alice, bob):
    room, other = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE), RoomFactory(created_by=alice)
    invite = invite_create(actor=alice, room=other)
    with refused("invite_invalid"):
        room_join(user=bob, room=room, invite_code=invite.code)


def test_unused_invite_use_is_not_counted_when_the_room_is_full(alice, bob):
    room = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE, max_members=2)
    add_member(room)
    invite = invite_create(actor=alice, room=room, max_uses=1)
    with refused("room_full"):
        room_join(user=bob, room=room, invite_code=invite.code)
    invite.refresh_from_db()
    assert invite.uses == 0


def test_direct_friend_invite(alice, bob, carol, published, commit):
    room = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE)
    make_friends(alice, bob)
    with commit():
        invite = invite_friend(actor=alice, room=room, friend=bob)
    assert (invite.invited_user, invite.max_uses, invite.uses) == (bob, 1, 0)
    assert invite.expires_at - timezone.now() == pytest.approx(timedelta(hours=24), abs=timedelta(seconds=5))
    note = Notification.objects.get(recipient=bob)
    assert (note.kind, note.actor) == (NotificationKind.ROOM_INVITE, alice)
    assert note.data == {"room": room.code, "room_name": room.name, "invite": invite.code}
    assert len(published) == 1
    groups, event, _ = published[0]
    assert groups == [f"user.{bob.pk}"]
    assert (event["type"], event["op"], event["notification"]["kind"]) == ("notifications.notification", "created", "room_invite")

    # the invite is bob's only
    with refused("invite_invalid", 403):
        room_join(user=carol, room=room, invite_code=invite.code)
    room_join(user=bob, room=room, invite_code=invite.code)
    assert members_of(room)["bob"] == "member"


def test_only_friends_can_be_invited(alice, bob):
    room = RoomFactory(created_by=alice)
    with refused("not_allowed", 403):
        invite_friend(actor=alice, room=room, friend=bob)
    assert not RoomInvite.objects.exists()
    assert not Notification.objects.exists()


def test_who_may_invite(alice, bob, carol):
    private = RoomFactory(created_by=alice, visibility=Visibility.PRIVATE)
    add_member(private, bob)
    with refused("not_allowed", 403):  # members of a private room can't hand out invites
        invite_create(actor=bob, room=private)
    with refused("not_a_member", 403):
        invite_create(actor=carol, room=private)
    public = RoomFactory(created_by=alice)
    add_member(public, bob)
    assert invite_create(actor=bob, room=public).created_by == bob


def test_no_invites_to_a_closed_room(room, alice):
    add_member(room)
    Room.objects.filter(pk=room.pk).update(closed_at=timezone.now())
    room.refresh_from_db()
    with refused("room_closed"):
        invite_create(actor=alice, room=room)


# -- leader powers ---------------------------------------------------------------------------------------------
@pytest.fixture
def crew(room, bob, carol):
    """alice leads, bob moderates, carol and dave are members."""
    add_member(room, bob, role=RoomRole.MODERATOR)
    add_member(room, carol)
    add_member(room, UserFactory(handle="dave"))
    return room


def test_member_cannot_kick(crew, carol, bob):
    dave = RoomMember.objects.get(room=crew, user__handle="dave").user
    with refused("not_allowed", 403):
        member_kick(actor=carol, room=crew, target=dave)
    with refused("not_allowed", 403):
        member_kick(actor=carol, room=crew, target=bob)
    assert len(members_of(crew)) == 4


def test_moderator_kicks_a_member_but_not_the_leader_or_another_moderator(crew, alice, bob, carol):
    other_mod = add_member(crew, role=RoomRole.MODERATOR).user
    with refused("not_allowed", 403):
        member_kick(actor=bob, room=crew, target=alice)
    with refused("not_allowed", 403):
        member_kick(actor=bob, room=crew, target=other_mod)
    member_kick(actor=bob, room=crew, target=carol)
    assert "carol" not in members_of(crew)
    assert RoomBan.objects.get(user=carol).created_by == bob


def test_leader_kicks_a_moderator(crew, alice, bob):
    member_kick(actor=alice, room=crew, target=bob)
    assert "bob" not in members_of(crew)


def test_kick_targets_must_be_someone_else_in_the_room(crew, alice):
    with refused("member_invalid", 400):
        member_kick(actor=alice, room=crew, target=alice)
    with refused("member_invalid", 404):
        member_kick(actor=alice, room=crew, target=UserFactory())


def test_kick_events(crew, alice, carol, published, commit):
    with commit():
        member_kick(actor=alice, room=crew, target=carol)
    assert sorted((e["type"], e["op"]) for _, e, _ in published) == [
        ("rooms.hallway", "updated"), ("rooms.member", "kicked"), ("rooms.room", "removed"),
    ]
    groups, event, close = one(published, "rooms.member", "kicked")
    assert (groups, close) == ([room_group(crew.pk)], None)
    assert_member_event(event, "kicked", "carol")
    groups, event, close = one(published, "rooms.room", "removed")
    assert groups == [room_user_group(crew.pk, carol.pk)] == [f"room.{crew.pk}.user.{carol.pk}"]
    assert event == {"type": "rooms.room", "op": "removed", "reason": "kicked"}
    assert close == {"disconnect": Disconnect.FORBIDDEN, "reason": "kicked"}
    assert one(published, "rooms.hallway", "updated")[1]["room"]["member_count"] == 3


def test_mute(crew, alice, bob, carol, published, commit):
    with refused("not_allowed", 403):
        member_mute(actor=carol, room=crew, target=bob, is_muted=True)
    with commit():
        member = member_mute(actor=bob, room=crew, target=carol, is_muted=True)
    assert member.is_muted and RoomMember.objects.get(room=crew, user=carol).is_muted
    assert len(published) == 2
    groups, event, _ = published[0]
    assert groups == [room_group(crew.pk)]
    assert_member_event(event, "updated", "carol", is_muted=True)
    groups, event, _ = one(published, "rooms.me", "updated")  # carol learns she can't chat now
    assert (groups, event["me"]["is_muted"], event["me"]["can_chat"]) == ([room_user_group(crew.pk, carol.pk)], True, False)
    member_mute(actor=alice, room=crew, target=carol, is_muted=False)
    assert not RoomMember.objects.get(room=crew, user=carol).is_muted


def test_set_role_is_for_the_leader(crew, alice, bob, carol, published, commit):
    with refused("not_allowed", 403):
        member_set_role(actor=bob, room=crew, target=carol, role=RoomRole.MODERATOR)
    with commit():
        member_set_role(actor=alice, room=crew, target=carol, role=RoomRole.MODERATOR)
    assert members_of(crew)["carol"] == "moderator"
    assert len(published) == 2
    assert_member_event(published[0][1], "updated", "carol", role="moderator")
    assert one(published, "rooms.me", "updated")[0] == [room_user_group(crew.pk, carol.pk)]
    member_set_role(actor=alice, room=crew, target=bob, role=RoomRole.MEMBER)
    assert members_of(crew)["bob"] == "member"
    with refused("member_invalid", 404):
        member_set_role(actor=alice, room=crew, target=alice, role=RoomRole.MEMBER)


def test_set_role_leader_transfers(crew, alice, carol):
    member_set_role(actor=alice, room=crew, target=carol, role=RoomRole.LEADER)
    assert members_of(crew) == {"alice": "moderator", "bob": "moderator", "carol": "leader", "dave": "member"}


def test_leadership_transfer(crew, alice, bob, carol, published, commit):
    with refused("not_allowed", 403):
        leadership_transfer(actor=bob, room=crew, target=carol)
    with commit():
        leadership_transfer(actor=alice, room=crew, target=carol)
    assert members_of(crew) == {"alice": "moderator", "bob": "moderator", "carol": "leader", "dave": "member"}
    updates = published.events("rooms.member", "updated")
    assert len(updates) == 2 and len(published) == 5
    assert_member_event(updates[0], "updated", "carol", role="leader")
    assert_member_event(updates[1], "updated", "alice", role="moderator")
    assert [(groups, e["me"]["role"]) for groups, e, _ in published if e["type"] == "rooms.me"] == [
        ([room_user_group(crew.pk, carol.pk)], "leader"), ([room_user_group(crew.pk, alice.pk)], "moderator")]
    assert one(published, "rooms.hallway", "updated")[1]["room"]["leader"]["handle"] == "carol"
    with refused("member_invalid", 404):
        leadership_transfer(actor=carol, room=crew, target=carol)


def test_room_update(crew, alice, bob, carol, published, commit):
    with refused("not_allowed", 403):
        room_update(actor=carol, room=crew, name="Mine now")
    with commit():
        room = room_update(actor=bob, room=crew, name="  Late show ", is_locked=True, max_members=20)
    assert (room.name, room.is_locked, room.max_members) == ("Late show", True, 20)
    assert len(published) == 2
    groups, event, close = one(published, "rooms.room", "updated")
    assert (groups, close) == ([room_group(crew.pk)], None)
    assert set(event) == {"type", "op", "room"} and set(event["room"]) == ROOM_KEYS
    assert (event["room"]["name"], event["room"]["is_locked"], event["room"]["max_members"]) == ("Late show", True, 20)
    hallway = one(published, "rooms.hallway", "updated")[1]
    assert (hallway["room"]["name"], hallway["room"]["member_count"]) == ("Late show", 4)


@pytest.mark.parametrize(
    "changes", [{"max_members": 3}, {"max_members": 51}, {"name": " "}, {"kind": "voice"}, {"closed_at": None}],
)
def test_room_update_refusals(crew, alice, changes):
    with refused("room_settings_invalid"):
        room_update(actor=alice, room=crew, **changes)
    crew.refresh_from_db()
    assert (crew.max_members, crew.kind) == (10, "watch")


def test_leader_closes_the_room(crew, alice, bob, published, commit):
    with refused("not_allowed", 403):
        room_close(actor=bob, room=crew)
    with commit():
        room_close(actor=alice, room=crew)
    crew.refresh_from_db()
    assert crew.closed_at is not None and not RoomMember.objects.filter(room=crew).exists()
    assert len(published) == 2
    groups, event, close = one(published, "rooms.room", "closed")
    assert (groups, close) == ([room_group(crew.pk)], {"disconnect": "gone", "reason": "closed_by_leader"})
    assert event["reason"] == "closed_by_leader" and event["room"]["closed_at"] is not None
    assert one(published, "rooms.hallway", "closed")[1] == {"type": "rooms.hallway", "op": "closed", "code": crew.code}


# -- leaving and hand-over --------------------------------------------------------------------------------------
def test_leaving_member(crew, carol, published, commit):
    with commit():
        room_leave(user=carol, room=crew)
    assert "carol" not in members_of(crew)
    assert len(published) == 3
    groups, event, close = one(published, "rooms.member", "left")
    assert (groups, close) == ([room_group(crew.pk)], None)
    assert_member_event(event, "left", "carol")
    # carol's other tabs in the room are told and closed: she hears nothing more from it
    groups, event, close = one(published, "rooms.room", "removed")
    assert groups == [room_user_group(crew.pk, carol.pk)]
    assert (event, close) == ({"type": "rooms.room", "op": "removed", "reason": "left"}, {"disconnect": "forbidden", "reason": "left"})
    assert one(published, "rooms.hallway", "updated")[1]["room"]["member_count"] == 3


def test_leave_when_not_a_member(room, bob):
    with refused("not_a_member", 404):
        room_leave(user=bob, room=room)


def test_leader_leaving_hands_over_to_the_connected_longest_present_member(room, alice, published, commit):
    # given: carol joined first but is offline; bob is connected; dave joined last with two tabs open
    carol, bob, dave = add_member(room, connections=0), add_member(room, connections=1), add_member(room, connections=2)
    set_joined(carol, 300)
    set_joined(bob, 200)
    set_joined(dave, 100)

    with commit():
        room_leave(user=alice, room=room)

    roles = dict(RoomMember.objects.filter(room=room).values_list("pk", "role"))
    assert roles == {carol.pk: "member", bob.pk: "leader", dave.pk: "member"}
    assert sorted((e["type"], e["op"]) for _, e, _ in published) == [
        ("rooms.hallway", "updated"), ("rooms.me", "updated"), ("rooms.member", "left"), ("rooms.member", "updated"),
        ("rooms.room", "removed"),
    ]
    assert_member_event(one(published, "rooms.member", "updated")[1], "updated", bob.user.handle, role="leader")
    assert one(published, "rooms.hallway", "updated")[1]["room"]["leader"]["handle"] == bob.user.handle


def test_leader_leaving_with_nobody_connected_hands_over_to_the_longest_present(room, alice):
    late, early = add_member(room), add_member(room)
    set_joined(late, 10)
    set_joined(early, 20)
    room_leave(user=alice, room=room)
    assert leader_of(room).pk == early.pk


def test_last_member_leaving_closes_the_room(room, alice, published, commit):
    with commit():
        room_leave(user=alice, room=room)
    room.refresh_from_db()
    assert room.closed_at is not None
    assert [(e["type"], e["op"]) for _, e, _ in published] == [
        ("rooms.member", "left"), ("rooms.room", "removed"), ("rooms.room", "closed"), ("rooms.hallway", "closed"),
    ]
    groups, event, close = one(published, "rooms.room", "closed")
    assert groups == [room_group(room.pk)]
    assert close == {"disconnect": Disconnect.GONE, "reason": "empty"}
    assert set(event) == {"type", "op", "room", "reason"} and set(event["room"]) == ROOM_KEYS
    assert (event["reason"], event["room"]["code"]) == ("empty", room.code)
    groups, event, _ = one(published, "rooms.hallway", "closed")
    assert (groups, event) == ([HALLWAY_GROUP], {"type": "rooms.hallway", "op": "closed", "code": room.code})


def test_closing_twice_publishes_once(room, alice, published, commit):
    with commit():
        room_close(room=room)
        room_close(room=room)
    assert len(published.events("rooms.room", "closed")) == 1


# -- the sweep -------------------------------------------------------------------------------------------------
def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def test_sweep_zeroes_connections_with_stale_heartbeats(room):
    stale = add_member(room, connections=2, last_heartbeat_at=ago(seconds=91))
    fresh = add_member(room, connections=1, last_heartbeat_at=ago(seconds=60))
    rooms_sweep()
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.connections, stale.disconnected_at is not None) == (0, True)
    assert (fresh.connections, fresh.disconnected_at) == (1, None)


def test_sweep_hands_over_from_an_absent_leader(room, alice, published, commit):
    RoomMember.objects.filter(room=room, user=alice).update(connections=0, disconnected_at=ago(seconds=31))
    offline = add_member(room, connections=0)
    online = add_member(room, connections=1, last_heartbeat_at=ago(seconds=5))
    set_joined(offline, 100)
    set_joined(online, 50)

    with commit():
        assert rooms_sweep() == 1

    assert members_of(room) == {"alice": "moderator", offline.user.handle: "member", online.user.handle: "leader"}
    updates = published.events("rooms.member", "updated")
    assert len(published) == 4 and len(updates) == 2 and len(published.events("rooms.me", "updated")) == 2
    assert_member_event(updates[0], "updated", online.user.handle, role="leader", is_connected=True)
    assert_member_event(updates[1], "updated", "alice", role="moderator", is_connected=False)

    # a second run changes nothing and says nothing
    published.clear()
    with commit():
        assert rooms_sweep() == 0
    assert published == []


def test_sweep_keeps_a_leader_within_the_grace_period(room, alice):
    RoomMember.objects.filter(room=room, user=alice).update(connections=0, disconnected_at=ago(seconds=20))
    add_member(room, connections=1, last_heartbeat_at=ago(seconds=5))
    assert rooms_sweep() == 0
    assert members_of(room)["alice"] == "leader"


def test_sweep_keeps_an_absent_leader_when_nobody_is_connected(room, alice):
    RoomMember.objects.filter(room=room, user=alice).update(connections=0, disconnected_at=ago(seconds=60))
    add_member(room, connections=0, disconnected_at=ago(seconds=40))
    assert rooms_sweep() == 0
    assert members_of(room)["alice"] == "leader"


def test_sweep_removes_members_absent_over_two_minutes(room, alice, published, commit):
    RoomMember.objects.filter(room=room, user=alice).update(connections=1, last_heartbeat_at=ago(seconds=5))
    gone = add_member(room, connections=0, disconnected_at=ago(seconds=121))
    away = add_member(room, connections=0, disconnected_at=ago(seconds=60))
    never = add_member(room)  # joined over HTTP, never opened the socket

    with commit():
        assert rooms_sweep() == 1

    assert set(members_of(room)) == {"alice", away.user.handle, never.user.handle}
    assert len(published.events("rooms.member", "left")) == 1
    assert_member_event(published.events("rooms.member", "left")[0], "left", gone.user.handle)
    assert one(published, "rooms.hallway", "updated")[1]["room"]["member_count"] == 3

    published.clear()
    with commit():
        assert rooms_sweep() == 0
    assert published == []


def test_sweep_closes_a_room_everyone_left(room, alice, published, commit):
    RoomMember.objects.filter(room=room).update(connections=0, disconnected_at=ago(minutes=5))
    add_member(room, connections=0, disconnected_at=ago(minutes=3))
    with commit():
        assert rooms_sweep() == 2
    room.refresh_from_db()
    assert room.closed_at is not None
    assert len(published.events("rooms.room", "closed")) == 1
    assert len(published.events("rooms.hallway", "closed")) == 1
    published.clear()
    with commit():
        assert rooms_sweep() == 0
    assert published == []


def test_sweep_of_a_stale_leader_in_one_run(room, alice):
    # Heartbeats stopped 10 minutes ago: the first run marks everyone disconnected now,
    # so nobody is removed or replaced until their grace period has passed.
    RoomMember.objects.filter(room=room, user=alice).update(connections=1, last_heartbeat_at=ago(minutes=10))
    assert rooms_sweep() == 0
    assert members_of(room) == {"alice": "leader"}
    assert rooms_sweep(now=timezone.now() + timedelta(minutes=3)) == 1
    room.refresh_from_db()
    assert not RoomMember.objects.filter(room=room).exists()
