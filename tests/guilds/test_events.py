"""The exact shape of every event guilds/events.py builds, as services publish them (JSON round trip).

  guilds.member    joined / left / kicked / updated   {type, op, member: {user, role, joined_at}}
  guilds.guild     updated / disbanded                {type, op, guild: {...settings and watch seconds}}
  guilds.guild     removed                            {type, op, reason, guild: {id, slug, name, avatar_url}}
  guilds.chat      created / deleted                  {type, op, message} / {type, op, id}
  guilds.room      created / closed                   {type, op, room} / {type, op, code}
  guilds.join_request  created / approved / rejected / cancelled   {type, op, join_request}
  guilds.invite    created / accepted / declined / revoked          {type, op, invite}
"""

import pytest

from guilds.models import GuildRole
from guilds.services import chat, guilds, invites, join_requests, membership, rooms
from tests.accounts.factories import UserFactory

from .factories import add_member

pytestmark = pytest.mark.django_db

USER = {"id", "handle", "display_name", "avatar_url"}
MEMBER = {"user", "role", "joined_at"}
GUILD = {"id", "slug", "name", "description", "avatar_url", "is_public", "max_members", "total_watch_seconds",
         "weekly_watch_seconds", "total_watch_hours", "weekly_watch_hours", "created_at"}
GUILD_REF = {"id", "slug", "name", "avatar_url"}
MESSAGE = {"id", "author", "body", "created_at", "is_deleted"}
ROOM = {"code", "kind", "name", "topic", "languages", "visibility", "max_members", "is_mic_enabled", "playback_control",
        "chat_mode", "slow_mode_seconds", "is_locked", "wait_for_ready", "is_matchmade", "is_permanent", "created_at", "closed_at"}
JOIN_REQUEST = {"id", "guild", "user", "status", "created_at", "responded_at"}
INVITE = {"id", "guild", "invited_user", "invited_by", "status", "created_at", "responded_at"}


def only(published, type_, op) -> dict:
    matching = published.events(type_, op)
    assert len(matching) == 1, [e for _, e, _ in published]
    return matching[0]


def test_member_events(guild, alice, bob, carol, published, commit):
    with commit():
        membership.guild_join(actor=bob, guild=guild)
        membership.guild_join(actor=carol, guild=guild)
        membership.guild_member_set_role(actor=alice, guild=guild, target=bob, role="officer")
        membership.guild_member_kick(actor=bob, guild=guild, target=carol)
        membership.guild_leave(actor=bob, guild=guild)
    assert [e["op"] for e in published.events("guilds.member")] == ["joined", "joined", "updated", "kicked", "left"]
    for event in published.events("guilds.member"):
        assert set(event) == {"type", "op", "member"}
        assert set(event["member"]) == MEMBER and set(event["member"]["user"]) == USER
    assert only(published, "guilds.member", "updated")["member"]["role"] == "officer"


def test_guild_events(guild, alice, bob, published, commit):
    add_member(guild, bob)
    with commit():
        guilds.guild_update(actor=alice, guild=guild, description="new")
        membership.guild_leave(actor=bob, guild=guild)
        guilds.guild_disband(actor=alice, guild=guild)
    updated, removed, disbanded = (only(published, "guilds.guild", op) for op in ("updated", "removed", "disbanded"))
    assert set(updated) == {"type", "op", "guild"} and set(updated["guild"]) == GUILD
    assert updated["guild"]["description"] == "new" and updated["guild"]["weekly_watch_hours"] == 0.0
    assert set(removed) == {"type", "op", "reason", "guild"} and set(removed["guild"]) == GUILD_REF
    assert removed["reason"] == "left"
    assert set(disbanded) == {"type", "op", "guild"} and set(disbanded["guild"]) == GUILD


def test_chat_events(guild, alice, published, commit):
    with commit():
        message = chat.guild_message_send(actor=alice, guild=guild, body="hi")
        chat.guild_message_delete(actor=alice, guild=guild, message_id=message.pk)
    created, deleted = only(published, "guilds.chat", "created"), only(published, "guilds.chat", "deleted")
    assert set(created) == {"type", "op", "message"} and set(created["message"]) == MESSAGE
    assert set(created["message"]["author"]) == USER
    assert (created["message"]["body"], created["message"]["is_deleted"]) == ("hi", False)
    assert deleted == {"type": "guilds.chat", "op": "deleted", "id": message.pk}


def test_room_events(guild, alice, published, commit):
    with commit():
        room = rooms.guild_room_create(actor=alice, guild=guild, name="Watch")
        rooms.guild_room_close(actor=alice, guild=guild, code=room.code)
    created = only(published, "guilds.room", "created")
    assert set(created) == {"type", "op", "room"} and set(created["room"]) == ROOM
    assert only(published, "guilds.room", "closed") == {"type": "guilds.room", "op": "closed", "code": room.code}


def test_join_request_events(guild, alice, published, commit):
    guild.is_public = False
    guild.save()
    users = [UserFactory() for _ in range(4)]
    with commit():
        made = [join_requests.guild_join_request_create(actor=u, guild=guild) for u in users]
        join_requests.guild_join_request_approve(actor=alice, guild=guild, request_id=made[0].pk)
        join_requests.guild_join_request_reject(actor=alice, guild=guild, request_id=made[1].pk)
        join_requests.guild_join_request_cancel(actor=users[2], guild=guild, request_id=made[2].pk)
    events = published.events("guilds.join_request")
    assert [e["op"] for e in events] == ["created"] * 4 + ["approved", "rejected", "cancelled"]
    for event in events:
        assert set(event) == {"type", "op", "join_request"} and set(event["join_request"]) == JOIN_REQUEST
        assert set(event["join_request"]["guild"]) == GUILD_REF and set(event["join_request"]["user"]) == USER
    assert [e["join_request"]["status"] for e in events[4:]] == ["approved", "rejected", "cancelled"]


def test_invite_events(guild, alice, bob, published, commit):
    add_member(guild, bob, role=GuildRole.OFFICER)
    users = [UserFactory() for _ in range(3)]
    with commit():
        made = [invites.guild_invite_create(actor=bob, guild=guild, invitee=u) for u in users]
        invites.guild_invite_accept(actor=users[0], invite_id=made[0].pk)
        invites.guild_invite_decline(actor=users[1], invite_id=made[1].pk)
        invites.guild_invite_revoke(actor=alice, guild=guild, invite_id=made[2].pk)
    events = published.events("guilds.invite")
    assert [e["op"] for e in events] == ["created"] * 3 + ["accepted", "declined", "revoked"]
    for event in events:
        assert set(event) == {"type", "op", "invite"} and set(event["invite"]) == INVITE
        assert set(event["invite"]["guild"]) == GUILD_REF
        assert set(event["invite"]["invited_user"]) == USER and set(event["invite"]["invited_by"]) == USER
