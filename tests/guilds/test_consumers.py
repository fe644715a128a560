"""The guild socket /ws/guilds/<slug>/ through the real ASGI stack (origin check, session auth, router).

On the embedded default the channel layer is in memory; in CI it is Redis pub/sub. Services publish
after commit, so these tests use real transactions.
"""

import pytest
from django.conf import settings

from config.ws import CloseCode
from guilds.models import GuildMember, GuildMessage, GuildRole
from guilds.services.guilds import guild_disband
from guilds.services.membership import guild_member_kick, guild_member_set_role
from moderation.automod import warm as warm_automod  # its term lists load once per process, not per message
from tests.accounts.factories import UserFactory
from tests.queries import count_queries
from tests.sockets import call, closed, frame, login, quiet

from .factories import GuildFactory, add_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def guild_path(slug: str) -> str:
    return f"/ws/guilds/{slug}/"


async def connect(sockets, user, slug="night-owls"):
    """A member's socket, past its hello."""
    comm = await sockets(guild_path(slug), await call(login, user))
    assert comm.connected
    comm.hello = await frame(comm)
    assert comm.hello["type"] == "hello", comm.hello
    return comm


@pytest.fixture
def crew(guild, bob, carol):
    """Night Owls: alice leads, bob is an officer, carol a member."""
    add_member(guild, bob, role=GuildRole.OFFICER)
    add_member(guild, carol)
    return guild


# -- the handshake ---------------------------------------------------------------------------------
async def test_no_session_is_closed_4401(sockets, crew):
    comm = await sockets(guild_path("night-owls"), None)
    assert (await closed(comm))["code"] == CloseCode.NOT_AUTHENTICATED


async def test_a_non_member_is_refused_4403_and_hears_nothing(sockets, crew, alice):
    outsider = await call(UserFactory)
    comm = await sockets(guild_path("night-owls"), await call(login, outsider))
    close = await closed(comm)
    assert (close["code"], close["reason"]) == (CloseCode.FORBIDDEN, "not_a_guild_member")
    member = await connect(sockets, alice)
    await member.send_json_to({"type": "chat.send", "body": "members only"})
    assert (await frame(member))["type"] == "guilds.chat"
    await quiet(comm)


async def test_an_unknown_guild_is_refused_4403(sockets, alice):
    comm = await sockets(guild_path("no-such-guild"), await call(login, alice))
    close = await closed(comm)
    assert (close["code"], close["reason"]) == (CloseCode.FORBIDDEN, "guild_not_found")


@pytest.mark.parametrize("origin", [b"http://evil.example", None])
async def test_a_foreign_or_missing_origin_is_refused(sockets, crew, alice, origin):
    comm = await sockets(guild_path("night-owls"), await call(login, alice), origin=origin)
    assert comm.connected is False


async def test_hello_is_the_whole_picture_from_the_database(sockets, crew, alice, carol):
    await call(GuildMessage.objects.create, guild=crew, author=carol, body="earlier")
    comm = await connect(sockets, carol)
    hello = comm.hello
    assert set(hello) == {"type", "server_time", "guild", "me", "members", "messages"}
    assert hello["me"] == {"role": "member"}
    assert hello["guild"]["slug"] == "night-owls"
    assert [(m["user"]["handle"], m["role"]) for m in hello["members"]] == [
        ("alice", "leader"), ("bob", "officer"), ("carol", "member")]
    assert [m["body"] for m in hello["messages"]] == ["earlier"]


# -- chat ---------------------------------------------------------------------------------------------
async def test_a_message_reaches_every_member_and_no_one_else(sockets, crew, alice, bob, carol):
    # given: two members of Night Owls online, and a member of another guild on their own guild's socket
    stranger = await call(UserFactory)
    await call(GuildFactory, created_by=stranger, name="Other", slug="other")
    sender, listener = await connect(sockets, carol), await connect(sockets, bob)
    other = await connect(sockets, stranger, slug="other")

    # when
    await sender.send_json_to({"type": "chat.send", "body": "  hello owls ", "ref": 1})

    # then: both members get the same event; the other guild hears nothing
    for comm in (sender, listener):
        event = await frame(comm)
        assert (event["type"], event["op"], event["message"]["body"], event["message"]["author"]["handle"]) == (
            "guilds.chat", "created", "hello owls", "carol")
    await quiet(other)
    assert await call(GuildMessage.objects.count) == 1


async def test_sending_costs_three_queries(sockets, crew, carol):
    comm = await connect(sockets, carol)
    await call(warm_automod)
    with count_queries() as statements:
        await comm.send_json_to({"type": "chat.send", "body": "counted"})
        assert (await frame(comm))["type"] == "guilds.chat"
    # the author's membership (locked), their recent messages, the insert
    assert len(statements) == 3, statements


async def test_deleting_over_the_socket(sockets, crew, bob, carol):
    message = await call(GuildMessage.objects.create, guild=crew, author=carol, body="oops")
    officer, author = await connect(sockets, bob), await connect(sockets, carol)
    with count_queries() as statements:
        await officer.send_json_to({"type": "chat.delete", "id": message.pk})
        assert await frame(officer) == {"type": "guilds.chat", "op": "deleted", "id": message.pk}
    assert len(statements) == 3, statements  # the message (locked), the deleter's membership, the update
    assert await frame(author) == {"type": "guilds.chat", "op": "deleted", "id": message.pk}


async def test_refusals_are_error_frames_and_the_socket_stays_open(sockets, crew, carol):
    comm = await connect(sockets, carol)
    await comm.send_json_to({"type": "chat.send", "body": "   ", "ref": "a"})
    error = await frame(comm)
    assert (error["type"], error["code"], error["ref"]) == ("error", "message_empty", "a")
    await comm.send_json_to({"type": "chat.send", "ref": "b"})
    error = await frame(comm)
    assert (error["code"], error["ref"], list(error["extra"]["fields"])) == ("invalid", "b", ["body"])
    await comm.send_json_to({"type": "sync.play"})
    error = await frame(comm)
    assert (error["code"], error["extra"]["known"]) == ("unknown_type", ["chat.delete", "chat.send", "ping"])
    await comm.send_json_to({"type": "chat.delete", "id": 999999})
    assert (await frame(comm))["code"] == "message_not_found"
    await comm.send_json_to({"type": "ping", "t": 1})
    assert (await frame(comm))["type"] == "pong"


async def test_an_oversize_frame_closes_only_that_socket(sockets, crew, bob, carol):
    abuser, bystander = await connect(sockets, carol), await connect(sockets, bob)
    await abuser.send_to(text_data="x" * (settings.WS_MAX_MESSAGE_BYTES + 1))
    assert (await closed(abuser))["code"] == CloseCode.MESSAGE_TOO_BIG
    await bystander.send_json_to({"type": "chat.send", "body": "still here"})
    assert (await frame(bystander))["message"]["body"] == "still here"


# -- roster changes reach the sockets ---------------------------------------------------------------------
async def test_a_kicked_member_is_told_and_closed_the_others_see_it(sockets, crew, bob, carol):
    officer, kicked = await connect(sockets, bob), await connect(sockets, carol)
    await call(guild_member_kick, actor=bob, guild=crew, target=carol)
    first, second = await frame(kicked), await frame(kicked)  # as every member, then as the one removed
    assert (first["type"], first["op"]) == ("guilds.member", "kicked")
    assert (second["type"], second["op"], second["reason"]) == ("guilds.guild", "removed", "kicked")
    close = await closed(kicked)
    assert (close["code"], close["reason"]) == (CloseCode.FORBIDDEN, "kicked")
    event = await frame(officer)
    assert (event["type"], event["op"], event["member"]["user"]["handle"]) == ("guilds.member", "kicked", "carol")
    assert not await call(GuildMember.objects.filter(user=carol).exists)


async def test_a_role_change_reaches_everyone(sockets, crew, alice, carol):
    leader, member = await connect(sockets, alice), await connect(sockets, carol)
    await call(guild_member_set_role, actor=alice, guild=crew, target=carol, role="officer")
    for comm in (leader, member):
        event = await frame(comm)
        assert (event["type"], event["op"], event["member"]["role"]) == ("guilds.member", "updated", "officer")


async def test_disbanding_closes_every_socket_4410(sockets, crew, alice, carol):
    leader, member = await connect(sockets, alice), await connect(sockets, carol)
    await call(guild_disband, actor=alice, guild=crew)
    for comm in (leader, member):
        event = await frame(comm)
        assert (event["type"], event["op"]) == ("guilds.guild", "disbanded")
        assert (await closed(comm))["code"] == CloseCode.GONE
