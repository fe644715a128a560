"""Replay: a guild socket's hello plus the events of a scripted session equals a fresh snapshot."""

import pytest

from config.event_schema import check
from guilds.events import GuildHello
from guilds.models import GuildRole
from guilds.selectors import guild_snapshot
from guilds.services.chat import guild_message_delete, guild_message_send
from guilds.services.guilds import guild_update
from guilds.services.membership import guild_join, guild_leave, guild_member_kick, guild_member_set_role
from tests.sockets import call, drain, frame, login

from .factories import add_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ROLE_ORDER = {GuildRole.LEADER: 0, GuildRole.OFFICER: 1, GuildRole.MEMBER: 2}


def apply(snapshot: dict, event: dict, *, me: int) -> None:
    """The client's reducer: fold one event into the hello's state."""
    kind = (event["type"], event["op"])
    if kind == ("guilds.guild", "updated"):
        snapshot["guild"] = event["guild"]
    elif kind == ("guilds.chat", "created"):
        snapshot["messages"].append(event["message"])
    elif kind == ("guilds.chat", "deleted"):
        message = next(m for m in snapshot["messages"] if m["id"] == event["id"])
        message.update(body="", is_deleted=True)
    elif event["type"] == "guilds.member":
        member, members = event["member"], snapshot["members"]
        old = next((m for m in members if m["user"]["id"] == member["user"]["id"]), None)
        if old is not None:
            members.remove(old)
        if event["op"] in ("joined", "updated"):
            # The event carries no week's watching: a joiner's is what the roster had, or nothing yet.
            members.append({**member, "weekly_watch_seconds": old["weekly_watch_seconds"] if old else 0})
            members.sort(key=lambda m: (ROLE_ORDER[m["role"]], m["joined_at"]))
        if member["user"]["id"] == me:
            snapshot["me"] = {"role": member["role"]}
    elif event["type"] in ("guilds.room", "guilds.event"):
        pass  # not part of the hello: the page lists rooms and events from the API
    else:
        raise AssertionError(f"the reducer does not know {kind}")


@pytest.fixture
def crew(guild, bob, carol):
    """alice leads, bob and carol are members."""
    add_member(guild, bob)
    add_member(guild, carol)
    return guild


async def test_hello_plus_events_equals_a_fresh_snapshot(sockets, crew, alice, bob, carol, dave):
    guild = crew
    # given alice's socket on the guild she leads
    comm = await sockets(f"/ws/guilds/{guild.slug}/", await call(login, alice))
    hello = await frame(comm)
    check(hello, GuildHello)
    state = {key: value for key, value in hello.items() if key not in ("type", "server_time")}

    # when a session's worth of changes happen
    await call(guild_join, actor=dave, guild=guild)
    message = await call(guild_message_send, actor=bob, guild=guild, body="evening all")
    await call(guild_message_send, actor=carol, guild=guild, body="hi")
    await call(guild_member_set_role, actor=alice, guild=guild, target=carol, role=GuildRole.OFFICER)
    await call(guild_message_delete, actor=alice, guild=guild, message_id=message.pk)
    await call(guild_update, actor=alice, guild=guild, description="We watch late.")
    await call(guild_member_kick, actor=alice, guild=guild, target=bob)
    await call(guild_leave, actor=dave, guild=guild)
    events = await drain(comm)

    # then folding the events into the hello gives what a reconnect would show
    assert {event["type"] for event in events} >= {"guilds.member", "guilds.chat", "guilds.guild"}
    for event in events:
        apply(state, event, me=alice.pk)
    assert state == await call(guild_snapshot, guild=guild, user=alice)
