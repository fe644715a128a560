"""Live chat on the stream socket /ws/stream/<id>/ through the real ASGI stack: every chat message type,
anonymous viewers refused, restricted viewers told at once and refused, the modes, history and resync."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from chat.models import ChatRestriction
from streams.models import ChannelFollow, ChannelModerator
from tests.sockets import call, drain, frame, login

from .factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db(transaction=True)
FIRE, CLAP = "\U0001f525", "\U0001f44f"


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield


@pytest.fixture
def channel(alice, dave):
    """alice owns it, dave moderates it."""
    channel = ChannelFactory(owner=alice, slug="alice")
    ChannelModerator.objects.create(channel=channel, user=dave)
    return channel


@pytest.fixture
def stream(channel):
    return live_stream(channel)


@pytest.fixture
def watch(sockets, stream):
    """watch(user or None) -> (socket, hello); a user's second socket is on the same session."""
    sessions = {}

    async def open_(user):
        if user is not None and user.pk not in sessions:
            sessions[user.pk] = await call(login, user)
        comm = await sockets(f"/ws/stream/{stream.pk}/", sessions[user.pk] if user else None)
        return comm, await frame(comm)
    return open_


async def send(comm, type_: str, **fields) -> list[dict]:
    """Send one message; every frame it caused on this socket (up to a ping's pong)."""
    await comm.send_json_to({"type": type_, "ref": type_, **fields})
    return await drain(comm)


def errors(received: list[dict]) -> list[str]:
    return [f["code"] for f in received if f["type"] == "error"]


def of_type(received: list[dict], type_: str) -> list[dict]:
    return [f for f in received if f["type"] == type_]


@pytest.mark.asyncio
async def test_anonymous_viewers_read_the_chat_but_cannot_write(watch, bob):
    anonymous, hello = await watch(None)
    assert hello["chat"]["me"] == {"is_moderator": False, "badges": [], "restriction": None}
    viewer, _ = await watch(bob)
    await send(viewer, "chat.send", body="hello")
    created = of_type(await drain(anonymous), "streams.chat")
    assert [c["message"]["body"] for c in created] == ["hello"]
    for type_, fields in (("chat.send", {"body": "hi"}), ("reaction.send", {"emoji": FIRE}),
                          ("chat.delete", {"id": created[0]["message"]["id"]}), ("chat.unpin", {})):
        assert errors(await send(anonymous, type_, **fields)) == ["stream_chat_sign_in"], type_
    page = of_type(await send(anonymous, "chat.history", after_id=0), "history")
    assert [m["body"] for m in page[0]["messages"]] == ["hello"]


@pytest.mark.asyncio
async def test_messages_carry_badges_and_the_author_or_a_moderator_deletes(watch, alice, bob, carol, dave):
    host, _ = await watch(alice)
    viewer, _ = await watch(bob)
    other, _ = await watch(carol)
    mod, hello = await watch(dave)
    assert hello["chat"]["me"]["is_moderator"] is True and hello["chat"]["me"]["badges"] == ["moderator"]
    await send(host, "chat.send", body="welcome")
    await send(mod, "chat.send", body="be nice")
    await send(viewer, "chat.send", body="first")
    created = [f["message"] for f in of_type(await drain(other), "streams.chat")]
    assert [(m["body"], m["badges"]) for m in created] == [("welcome", ["owner"]), ("be nice", ["moderator"]),
                                                          ("first", [])]
    first = created[2]["id"]
    assert errors(await send(other, "chat.delete", id=first)) == ["not_channel_owner"]
    await send(mod, "chat.delete", id=first)
    assert of_type(await drain(viewer), "streams.chat") == [{"type": "streams.chat", "op": "deleted", "id": first}]
    assert errors(await send(viewer, "chat.delete", id=first)) == ["message_not_found"]


@pytest.mark.asyncio
async def test_pin_and_unpin_by_moderators_only(watch, alice, bob):
    host, _ = await watch(alice)
    viewer, _ = await watch(bob)
    await send(viewer, "chat.send", body="pin me")
    message_id = of_type(await drain(host), "streams.chat")[0]["message"]["id"]
    assert errors(await send(viewer, "chat.pin_message", id=message_id)) == ["chat_not_a_moderator"]
    await send(host, "chat.pin_message", id=message_id)
    pinned = of_type(await drain(viewer), "chat.pin")
    assert pinned[0]["op"] == "pinned" and pinned[0]["pin"]["message"]["body"] == "pin me"
    again, hello = await watch(bob)
    assert hello["chat"]["pinned"]["message"]["id"] == message_id
    await send(host, "chat.unpin")
    assert of_type(await drain(again), "chat.pin") == [{"type": "chat.pin", "op": "unpinned", "message_id": message_id}]


@pytest.mark.asyncio
async def test_a_timed_out_viewer_is_told_at_once_refused_and_free_again_when_it_runs_out(watch, alice, bob):
    host, _ = await watch(alice)
    viewer, _ = await watch(bob)
    assert errors(await send(viewer, "chat.timeout", user_id=alice.pk, seconds=600)) == ["chat_not_a_moderator"]
    assert errors(await send(host, "chat.timeout", user_id=bob.pk, seconds=0)) == ["invalid"]
    await send(host, "chat.timeout", user_id=bob.pk, seconds=600, reason="calm down")
    told = of_type(await drain(viewer), "chat.restriction")
    assert told[0]["op"] == "timed_out" and told[0]["restriction"]["user"]["id"] == bob.pk
    assert errors(await send(viewer, "chat.send", body="why")) == ["chat_timed_out"]
    assert errors(await send(viewer, "reaction.send", emoji=FIRE)) == ["chat_timed_out"]
    _, hello = await watch(bob)
    assert hello["chat"]["me"]["restriction"]["kind"] == "timeout"

    await call(ChatRestriction.objects.filter(user=bob).update, expires_at=timezone.now() - timedelta(seconds=1))
    assert errors(await send(viewer, "chat.send", body="back")) == []


@pytest.mark.asyncio
async def test_a_banned_viewer_cannot_chat_or_react_until_unbanned(watch, alice, bob, dave):
    mod, _ = await watch(dave)
    viewer, _ = await watch(bob)
    assert errors(await send(mod, "chat.ban", user_id=alice.pk)) == ["chat_target_invalid"]
    await send(mod, "chat.ban", user_id=bob.pk, reason="spam")
    told = of_type(await drain(viewer), "chat.restriction")
    assert told[0]["op"] == "banned" and told[0]["restriction"]["expires_at"] is None
    assert errors(await send(viewer, "chat.send", body="let me in")) == ["chat_banned"]
    assert errors(await send(viewer, "reaction.send", emoji=FIRE)) == ["chat_banned"]
    await send(mod, "chat.unban", user_id=bob.pk)
    assert of_type(await drain(viewer), "chat.restriction")[0] == {"type": "chat.restriction", "op": "lifted",
                                                                   "user_id": bob.pk}
    assert errors(await send(viewer, "chat.send", body="thanks")) == []


@pytest.mark.asyncio
async def test_slow_mode_holds_viewers_not_moderators(watch, alice, bob):
    host, _ = await watch(alice)
    viewer, _ = await watch(bob)
    assert errors(await send(viewer, "chat.modes_set", slow_mode_seconds=30)) == ["chat_not_a_moderator"]
    await send(host, "chat.modes_set", slow_mode_seconds=30)
    modes = of_type(await drain(viewer), "chat.modes")
    assert modes[0]["modes"]["slow_mode_seconds"] == 30
    assert errors(await send(viewer, "chat.send", body="one")) == []
    refused = [f for f in await send(viewer, "chat.send", body="two") if f["type"] == "error"]
    assert refused[0]["code"] == "slow_mode" and 0 < refused[0]["extra"]["retry_after"] <= 30
    assert errors(await send(host, "chat.send", body="a")) == errors(await send(host, "chat.send", body="b")) == []


@pytest.mark.asyncio
async def test_emote_only_followers_only_and_subscribers_only(watch, alice, bob, channel):
    host, _ = await watch(alice)
    viewer, _ = await watch(bob)
    await send(host, "chat.modes_set", is_emote_only=True)
    assert errors(await send(viewer, "chat.send", body="words")) == ["chat_emote_only"]
    assert errors(await send(viewer, "chat.send", body=f"{FIRE}{FIRE}")) == []
    await send(host, "chat.modes_set", is_emote_only=False, followers_only_minutes=10)
    assert errors(await send(viewer, "chat.send", body="not a follower")) == ["chat_followers_only"]
    await call(ChannelFollow.objects.create, channel=channel, user=bob)
    assert errors(await send(viewer, "chat.send", body="too new")) == ["chat_followers_only"]
    await call(ChannelFollow.objects.filter(user=bob).update, created_at=timezone.now() - timedelta(minutes=11))
    assert errors(await send(viewer, "chat.send", body="long time fan")) == []
    await send(host, "chat.modes_set", followers_only_minutes=None, is_subscribers_only=True)
    assert errors(await send(viewer, "chat.send", body="no sub")) == ["chat_subscribers_only"]  # nobody subscribes yet


@pytest.mark.asyncio
async def test_reactions_arrive_as_bursts_and_a_flood_is_refused_to_the_flooder_only(watch, bob, carol):
    anonymous, _ = await watch(None)
    flooder, _ = await watch(bob)
    other, _ = await watch(carol)
    assert errors(await send(flooder, "reaction.send", emoji="nope")) == ["reaction_invalid"]
    codes = []
    for _ in range(12):
        codes += errors(await send(flooder, "reaction.send", emoji=FIRE))
    assert codes == ["reaction_rate_limited"] * 2
    assert errors(await send(other, "reaction.send", emoji=CLAP)) == []
    counts: dict[str, int] = {}
    while counts != {FIRE: 10, CLAP: 1}:
        burst = await frame(anonymous)
        if burst["type"] == "chat.reactions":
            for emoji, n in burst["counts"].items():
                counts[emoji] = counts.get(emoji, 0) + n


@pytest.mark.asyncio
async def test_history_pages_back_and_resyncs_after_a_reconnect(watch, bob):
    viewer, hello = await watch(bob)
    assert hello["chat"]["messages"] == []
    for i in range(5):
        assert errors(await send(viewer, "chat.send", body=f"m{i}")) == []
    _, hello = await watch(bob)
    ids = [m["id"] for m in hello["chat"]["messages"]]
    after = of_type(await send(viewer, "chat.history", after_id=ids[2]), "history")[0]
    assert after["ref"] == "chat.history" and [m["body"] for m in after["messages"]] == ["m3", "m4"]
    before = of_type(await send(viewer, "chat.history", before_id=ids[2]), "history")[0]
    assert [m["body"] for m in before["messages"]] == ["m0", "m1"]
