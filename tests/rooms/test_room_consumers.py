"""The room socket /ws/rooms/<code>/ and the hallway socket /ws/hallway/ through the real ASGI stack.

config.asgi.application: origin check → session auth → URLRouter → RoomConsumer / HallwayConsumer,
on the configured channel layer (in-memory embedded, Redis pub/sub in CI). Services publish after
commit, so these tests use real transactions.

Every client message type is sent here: ping, sync.play / pause / seek / rate / load / buffering /
duration / ended / drift, chat.send, chat.delete, queue.skip_vote; and every room event type is
seen arriving: rooms.state, rooms.member, rooms.room, rooms.chat, rooms.queue, rooms.hallway, and
rooms.match on the personal socket /ws/me/.
"""

import json

import pytest
from django.conf import settings
from factory.django import mute_signals

from config.event_schema import check
from config.ws import CloseCode
from moderation.automod import warm as warm_automod  # its term lists load once per process, not per message
from rooms import signals
from rooms.events import HallwayHello
from rooms.models import ChatMessage, QueueItem, Room, RoomMember, SkipVote, Visibility, WatchSession
from rooms.services.chat import message_send
from rooms.services.membership import member_kick, room_close, room_create, room_join, room_leave, room_update
from rooms.services.playback import playback_command
from tests.sockets import call, closed, frame, frames, login, quiet

from .conftest import count_queries, room_path
from .factories import OTHER_YOUTUBE_URL, VIDEO_URL, YOUTUBE_URL, RoomFactory, add_member, set_source

pytestmark = pytest.mark.django_db(transaction=True)

HELLO_KEYS = {"type", "server_time", "room", "me", "state", "members", "queue", "skip_votes", "skip_needed", "messages"}
ROOM_HANDLERS = ["chat.delete", "chat.send", "hand.raise", "ping", "queue.skip_vote", "sync.buffering", "sync.drift", "sync.duration",
                 "sync.ended", "sync.load", "sync.pause", "sync.play", "sync.rate", "sync.seek"]


@pytest.fixture
def room(alice, bob):
    """Public; alice leads, bob is a member; a video is playing 10 s in."""
    room = set_source(RoomFactory(created_by=alice, name="Movie night"), YOUTUBE_URL, position=10.0)
    add_member(room, bob)
    return room


def fresh(room) -> Room:
    return Room.objects.get(pk=room.pk)


async def enter(sockets, user, room):
    """A member's room socket: the hello, then the news that they connected (their own copy)."""
    comm = await sockets(room_path(room.code), await call(login, user))
    assert comm.connected
    comm.hello = await frame(comm)
    assert comm.hello["type"] == "hello", comm.hello
    connected = await frame(comm)
    assert (connected["type"], connected["op"], connected["member"]["user"]["id"]) == ("rooms.member", "updated", user.pk)
    return comm


@pytest.fixture
def both(sockets, alice, bob, room):
    """Open alice's then bob's room sockets; alice's has seen bob connect. Returns (alice's, bob's)."""

    async def open_():
        to_alice = await enter(sockets, alice, room)
        to_bob = await enter(sockets, bob, room)
        bob_connected = await frame(to_alice)
        assert (bob_connected["type"], bob_connected["op"]) == ("rooms.member", "updated")
        assert (bob_connected["member"]["user"]["handle"], bob_connected["member"]["is_connected"]) == ("bob", True)
        return to_alice, to_bob

    return open_


async def expect_error(comm, code: str, ref=None) -> dict:
    error = await frame(comm)
    assert set(error) == {"type", "code", "message", "extra", "ref"}, error
    assert (error["type"], error["code"], error["ref"]) == ("error", code, ref), error
    assert isinstance(error["message"], str) and error["message"]
    return error


# -- the handshake ---------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_non_member_is_accepted_then_closed_4403(sockets, room, carol):
    comm = await sockets(room_path(room.code), await call(login, carol))
    assert comm.connected
    close = await closed(comm)
    assert (close["code"], close["reason"]) == (CloseCode.FORBIDDEN, "not_a_member")
    await comm.send_json_to({"type": "chat.send", "body": "let me in"})  # frames in flight are dropped
    await quiet(comm)
    assert not await call(ChatMessage.objects.exists)


@pytest.mark.asyncio
async def test_refusal_reasons(sockets, room, alice):
    key = await call(login, alice)
    await call(Room.objects.filter(pk=room.pk).update, closed_at="2020-01-01T00:00:00Z")
    close = await closed(await sockets(room_path(room.code), key))
    assert (close["code"], close["reason"]) == (4403, "room_closed")
    close = await closed(await sockets(room_path("no-such-room"), key))
    assert (close["code"], close["reason"]) == (4403, "room_not_found")
    close = await closed(await sockets(room_path(room.code), None))
    assert (close["code"], close["reason"]) == (4401, "authentication_required")


@pytest.mark.asyncio
@pytest.mark.parametrize("origin", [b"http://evil.example", None])
async def test_foreign_origin_is_refused(sockets, room, alice, origin):
    comm = await sockets(room_path(room.code), await call(login, alice), origin=origin)
    assert comm.connected is False
    assert await call(lambda: RoomMember.objects.get(room=room, user=alice).connections) == 0


@pytest.mark.asyncio
async def test_member_gets_hello_and_the_others_see_them_connect(sockets, room, alice, bob, carol):
    await call(message_send, author=alice, room=room, body="welcome")
    to_carol = await sockets("/ws/me/", await call(login, carol))  # carol's own socket: the room is none of her business
    assert (await frame(to_carol))["type"] == "hello"
    to_alice = await enter(sockets, alice, room)
    to_bob = await enter(sockets, bob, room)

    hello = to_bob.hello
    assert set(hello) == HELLO_KEYS
    assert hello["room"]["code"] == room.code
    assert {k: hello["me"][k] for k in ("role", "is_muted", "can_control", "can_lead")} == {
        "role": "member", "is_muted": False, "can_control": False, "can_lead": False}
    assert {k: to_alice.hello["me"][k] for k in ("role", "is_muted", "can_control", "can_lead")} == {
        "role": "leader", "is_muted": False, "can_control": True, "can_lead": True}
    assert hello["state"]["source"]["url"] == YOUTUBE_URL and hello["state"]["is_playing"] is True
    assert [(m["user"]["handle"], m["role"], m["is_connected"]) for m in hello["members"]] == [
        ("alice", "leader", True), ("bob", "member", True)]
    assert (hello["queue"], hello["skip_votes"], hello["skip_needed"]) == ([], 0, 2)
    assert [m["body"] for m in hello["messages"]] == ["welcome"]
    assert isinstance(hello["server_time"], float)

    seen = await frame(to_alice)
    assert (seen["type"], seen["op"], seen["member"]["user"]["handle"], seen["member"]["is_connected"]) == (
        "rooms.member", "updated", "bob", True)
    await quiet(to_carol)
    member = await call(RoomMember.objects.get, room=room, user=bob)
    assert member.connections == 1
    assert await call(WatchSession.objects.filter(user=bob, room=room, ended_at__isnull=True).count) == 1


@pytest.mark.asyncio
async def test_second_tab_is_not_news_and_closing_the_last_is(sockets, room, alice, bob, both):
    to_alice, to_bob = await both()
    key = await call(login, bob)  # bob signs in again: his first session (and socket) ends
    assert (await frame(to_bob))["type"] == "session.force_logout"
    assert (await closed(to_bob))["code"] == CloseCode.SESSION_ENDED
    await to_bob.disconnect()
    gone = await frame(to_alice)
    assert (gone["op"], gone["member"]["user"]["handle"], gone["member"]["is_connected"]) == ("updated", "bob", False)
    first = await sockets(room_path(room.code), key)
    assert (await frame(first))["type"] == "hello"
    assert (await frame(to_alice))["member"]["is_connected"] is True
    second = await sockets(room_path(room.code), key)
    assert (await frame(second))["type"] == "hello"
    await quiet(to_alice)  # the second tab is not news
    assert await call(lambda: RoomMember.objects.get(room=room, user=bob).connections) == 2


# -- playback ----------------------------------------------------------------------------------------------
SYNC_COMMANDS = [
    ({"type": "sync.pause", "position": 12.5}, {"is_playing": False, "position": 12.5}),
    ({"type": "sync.play", "position": 30}, {"is_playing": True, "position": 30.0}),
    ({"type": "sync.play"}, {"is_playing": True}),
    ({"type": "sync.seek", "position": 95}, {"is_playing": True, "position": 95.0}),
    ({"type": "sync.rate", "rate": 1.5}, {"rate": 1.5}),
    ({"type": "sync.load", "url": VIDEO_URL, "title": "Short"},
     {"is_playing": True, "position": 0.0, "source": {"kind": "video", "url": VIDEO_URL, "media_id": "", "title": "Short"}}),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("message, expected", SYNC_COMMANDS, ids=[m["type"] + str(i) for i, (m, _) in enumerate(SYNC_COMMANDS)])
async def test_controller_commands_reach_every_member(room, both, message, expected):
    to_alice, to_bob = await both()
    version = (await call(fresh, room)).state_version
    await to_alice.send_json_to({**message, "ref": "c1"})
    for comm in (to_alice, to_bob):
        event = await frame(comm)
        assert (event["type"], event["op"]) == ("rooms.state", "updated")
        assert event["state"]["version"] == version + 1
        for field, value in expected.items():
            assert event["state"][field] == value, (field, event["state"])
    stored = await call(fresh, room)
    assert stored.state_version == version + 1
    for field, value in expected.items():
        if field == "source":
            assert (stored.source_kind, stored.source_url, stored.source_title) == (value["kind"], value["url"], value["title"])
        else:
            assert getattr(stored, field) == value, field
    await quiet(to_alice)


@pytest.mark.asyncio
@pytest.mark.parametrize("message", [m for m, _ in SYNC_COMMANDS], ids=[m["type"] + str(i) for i, (m, _) in enumerate(SYNC_COMMANDS)])
async def test_non_controller_commands_are_refused(room, both, message):
    to_alice, to_bob = await both()
    before = await call(fresh, room)
    await to_bob.send_json_to({**message, "ref": 9})
    await expect_error(to_bob, "playback_not_allowed", 9)
    await quiet(to_alice)
    after = await call(fresh, room)
    assert (after.state_version, after.is_playing, after.position, after.source_url) == (
        before.state_version, before.is_playing, before.position, before.source_url)


@pytest.mark.asyncio
async def test_anyone_may_control_when_the_room_says_so(room, both):
    await call(Room.objects.filter(pk=room.pk).update, playback_control="anyone")
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "sync.pause"})
    assert (await frame(to_alice))["state"]["is_playing"] is False
    assert (await frame(to_bob))["state"]["is_playing"] is False


@pytest.mark.asyncio
async def test_buffering(room, both):
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "sync.buffering", "is_buffering": True})
    for comm in (to_alice, to_bob):
        event = await frame(comm)
        assert (event["type"], event["op"], event["member"]["user"]["handle"], event["member"]["is_buffering"]) == (
            "rooms.member", "updated", "bob", True)
    await quiet(to_alice)


@pytest.mark.asyncio
async def test_buffering_with_wait_for_ready_holds_and_resumes(room, both):
    await call(Room.objects.filter(pk=room.pk).update, wait_for_ready=True)
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "sync.buffering", "is_buffering": True})
    received = await frames(to_alice, 2)
    assert sorted(e["type"] for e in received) == ["rooms.member", "rooms.state"]
    held = next(e for e in received if e["type"] == "rooms.state")["state"]
    assert (held["is_playing"], held["is_waiting_for_ready"]) == (False, True)
    await frames(to_bob, 2)
    await to_bob.send_json_to({"type": "sync.buffering", "is_buffering": False})
    received = await frames(to_alice, 2)
    resumed = next(e for e in received if e["type"] == "rooms.state")["state"]
    assert (resumed["is_playing"], resumed["is_waiting_for_ready"]) == (True, False)


@pytest.mark.asyncio
async def test_duration_report(room, both):
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "sync.duration", "duration": 212.5})
    for comm in (to_alice, to_bob):
        event = await frame(comm)
        assert (event["type"], event["state"]["duration"]) == ("rooms.state", 212.5)
    await to_alice.send_json_to({"type": "sync.duration", "duration": 300})  # the first report sticks
    await quiet(to_bob)
    assert (await call(fresh, room)).duration == 212.5


@pytest.mark.asyncio
async def test_ended_advances_the_queue(room, alice, both):
    await call(QueueItem.objects.create, room=room, order=1, kind="video", url=VIDEO_URL, title="Next", added_by=alice)
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "sync.ended", "url": OTHER_YOUTUBE_URL})  # a stale report: ignored
    await quiet(to_alice)
    await to_bob.send_json_to({"type": "sync.ended", "url": YOUTUBE_URL})
    for comm in (to_alice, to_bob):
        received = {e["type"]: e for e in await frames(comm, 2)}
        assert set(received) == {"rooms.state", "rooms.queue"}
        assert received["rooms.state"]["state"]["source"]["url"] == VIDEO_URL
        assert received["rooms.queue"]["items"] == []
    # the other member's "ended" for the same video arrives late: nothing more happens
    await to_alice.send_json_to({"type": "sync.ended", "url": YOUTUBE_URL})
    await quiet(to_bob)


@pytest.mark.asyncio
async def test_drift_report(room, both):
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "sync.drift", "drift_ms": -250})
    for comm in (to_alice, to_bob):
        event = await frame(comm)
        assert (event["type"], event["member"]["user"]["handle"], event["member"]["drift_ms"]) == ("rooms.member", "bob", -250)
    await to_bob.send_json_to({"type": "sync.drift", "drift_ms": -245})  # a small change is not news
    await quiet(to_alice)


# -- chat and queue ------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_chat_send_and_delete(room, both, bob):
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "chat.send", "body": "hello @alice", "ref": "m1"})
    created = [await frame(to_alice), await frame(to_bob)]
    for event in created:
        assert (event["type"], event["op"]) == ("rooms.chat", "created")
        assert (event["message"]["body"], event["message"]["author"]["handle"]) == ("hello @alice", "bob")
        assert len(event["message"]["mentions"]) == 1
    message_id = created[0]["message"]["id"]
    assert await call(lambda: ChatMessage.objects.get(pk=message_id).author_id) == bob.pk

    await to_alice.send_json_to({"type": "chat.delete", "id": message_id})  # the leader moderates
    for comm in (to_alice, to_bob):
        assert await frame(comm) == {"type": "rooms.chat", "op": "deleted", "id": message_id}
    await to_bob.send_json_to({"type": "chat.delete", "id": message_id, "ref": "d2"})
    await expect_error(to_bob, "message_not_found", "d2")


@pytest.mark.asyncio
async def test_chat_too_long(room, both):
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "chat.send", "body": "x" * 501, "ref": "long"})
    error = await expect_error(to_bob, "message_too_long", "long")
    assert error["extra"] == {"max_length": 500, "length": 501}
    await to_bob.send_json_to({"type": "chat.send", "body": "y" * 500})
    assert len((await frame(to_alice))["message"]["body"]) == 500


@pytest.mark.asyncio
async def test_chat_rate_limit(room, both, settings):
    settings.ROOM_CHAT_RATE_MAX_MESSAGES, settings.ROOM_CHAT_RATE_WINDOW_SECONDS = 5, 5.0
    to_alice, to_bob = await both()
    for n in range(5):
        await to_bob.send_json_to({"type": "chat.send", "body": f"m{n}"})
    assert [e["message"]["body"] for e in await frames(to_alice, 5)] == [f"m{n}" for n in range(5)]
    await frames(to_bob, 5)
    await to_bob.send_json_to({"type": "chat.send", "body": "too fast", "ref": 6})
    error = await expect_error(to_bob, "chat_rate_limited", 6)
    assert error["extra"] == {"retry_after": 5.0}
    await quiet(to_alice)


@pytest.mark.asyncio
async def test_chat_delete_of_someone_elses_message_is_refused(room, alice, both):
    message = await call(message_send, author=alice, room=room, body="mine")
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "chat.delete", "id": message.pk, "ref": "x"})
    await expect_error(to_bob, "not_allowed", "x")
    await quiet(to_alice)


@pytest.mark.asyncio
async def test_skip_vote(room, alice, both):
    await call(QueueItem.objects.create, room=room, order=1, kind="video", url=VIDEO_URL, added_by=alice)
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "queue.skip_vote"})
    for comm in (to_alice, to_bob):
        event = await frame(comm)
        assert (event["type"], event["op"], event["skip_votes"], event["skip_needed"]) == ("rooms.queue", "updated", 1, 2)
    await to_bob.send_json_to({"type": "queue.skip_vote", "ref": "again"})
    await expect_error(to_bob, "already_voted", "again")
    await to_alice.send_json_to({"type": "queue.skip_vote"})
    received = {e["type"]: e for e in await frames(to_bob, 2)}
    assert received["rooms.state"]["state"]["source"]["url"] == VIDEO_URL
    assert (received["rooms.queue"]["skip_votes"], received["rooms.queue"]["items"]) == (0, [])
    assert not await call(SkipVote.objects.exists)


@pytest.mark.asyncio
async def test_ping_with_a_hidden_tab(room, both, bob):
    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "ping", "ref": "p", "t": 5.0, "active": False})
    pong = await frame(to_bob)
    assert (pong["type"], pong["ref"], pong["t"]) == ("pong", "p", 5.0)
    session = await call(WatchSession.objects.get, user=bob, room=room, ended_at__isnull=True)
    assert session.is_active is False
    await quiet(to_alice)


# -- bad messages ---------------------------------------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message, field",
    [
        ({"type": "sync.seek", "position": "soon"}, "position"),
        ({"type": "sync.seek"}, "position"),
        ({"type": "sync.seek", "position": -1}, "position"),
        ({"type": "sync.play", "position": [1]}, "position"),
        ({"type": "sync.rate", "rate": 3}, "rate"),
        ({"type": "sync.rate", "rate": "fast"}, "rate"),
        ({"type": "sync.load", "url": 5 * "x" * 1000}, "url"),
        ({"type": "sync.load"}, "url"),
        ({"type": "sync.buffering", "is_buffering": "maybe"}, "is_buffering"),
        ({"type": "sync.duration", "duration": None}, "duration"),
        ({"type": "sync.ended", "url": {"a": 1}}, "url"),
        ({"type": "sync.drift", "drift_ms": 1.5}, "drift_ms"),
        ({"type": "chat.send", "body": {"text": "hi"}}, "body"),
        ({"type": "chat.send", "body": "x" * 2001}, "body"),
        ({"type": "chat.send"}, "body"),
        ({"type": "chat.delete", "id": "first"}, "id"),
        ({"type": "ping", "active": "sometimes"}, "active"),
    ],
)
async def test_invalid_fields_get_an_error_frame(room, both, message, field):
    to_alice, to_bob = await both()
    version = (await call(fresh, room)).state_version
    await to_alice.send_json_to({**message, "ref": "bad"})
    error = await expect_error(to_alice, "invalid", "bad")
    assert field in error["extra"]["fields"]
    await quiet(to_bob)
    assert (await call(fresh, room)).state_version == version
    assert not await call(ChatMessage.objects.exists)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text, code",
    [("{not json", "invalid_json"), ("[1]", "invalid_message"), (json.dumps({"type": 3}), "invalid_message"),
     (json.dumps({"type": "sync.explode"}), "unknown_type")],
)
async def test_malformed_and_unknown_messages_get_an_error_frame(room, both, text, code):
    to_alice, to_bob = await both()
    await to_bob.send_to(text_data=text)
    error = await expect_error(to_bob, code)
    if code == "unknown_type":
        assert error["extra"] == {"known": ROOM_HANDLERS}
    await to_bob.send_json_to({"type": "ping", "ref": "still"})
    assert (await frame(to_bob))["ref"] == "still"
    await quiet(to_alice)


@pytest.mark.asyncio
async def test_oversize_frame_closes_only_that_socket(room, both):
    to_alice, to_bob = await both()
    await to_bob.send_to(text_data=json.dumps({"type": "chat.send", "body": "x" * settings.WS_MAX_MESSAGE_BYTES}))
    close = await closed(to_bob)
    assert (close["code"], close["reason"]) == (CloseCode.MESSAGE_TOO_BIG, "message_too_big")
    await to_bob.disconnect()
    assert (await frame(to_alice))["member"]["is_connected"] is False
    await to_alice.send_json_to({"type": "ping", "ref": "a"})
    assert (await frame(to_alice))["ref"] == "a"
    assert not await call(ChatMessage.objects.exists)


@pytest.mark.asyncio
async def test_binary_frame_closes_4400(room, both):
    to_alice, to_bob = await both()
    await to_bob.send_to(bytes_data=b"\x00\x01")
    assert (await closed(to_bob))["code"] == CloseCode.PROTOCOL_ERROR


@pytest.mark.asyncio
async def test_flood_closes_4429(room, both, settings):
    settings.WS_RATE_PER_SECOND = 0.01  # no refill during the test: exactly the burst gets through
    to_alice, to_bob = await both()
    for n in range(settings.WS_RATE_BURST + 5):
        await to_bob.send_json_to({"type": "sync.drift", "drift_ms": n * 100, "ref": n})
    outputs = []
    while True:
        output = await to_bob.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
        outputs.append(json.loads(output["text"]))
    assert (output["code"], output["reason"]) == (CloseCode.RATE_LIMITED, "rate_limited")
    # exactly the burst was handled (the last one stored); its echoes may or may not beat the close
    assert await call(lambda: RoomMember.objects.get(room=room, user__handle="bob").drift_ms) == (settings.WS_RATE_BURST - 1) * 100
    assert len(outputs) <= settings.WS_RATE_BURST and all(o["type"] == "rooms.member" for o in outputs)
    await to_alice.send_json_to({"type": "ping", "ref": "fine"})  # the room's other sockets keep flowing
    while (reply := await frame(to_alice))["type"] != "pong":
        assert reply["type"] == "rooms.member"
    assert reply["ref"] == "fine"


# -- leaving the room: kicked, left, closed ----------------------------------------------------------------
@pytest.mark.asyncio
async def test_kicked_member_is_told_closed_and_hears_nothing_more(sockets, room, alice, bob, carol, both):
    to_alice, to_bob = await both()
    await call(member_kick, actor=alice, room=room, target=bob)

    kicked = await frame(to_bob)
    assert (kicked["type"], kicked["op"], kicked["member"]["user"]["handle"]) == ("rooms.member", "kicked", "bob")
    assert await frame(to_bob) == {"type": "rooms.room", "op": "removed", "reason": "kicked"}
    close = await closed(to_bob)
    assert (close["code"], close["reason"]) == (CloseCode.FORBIDDEN, "kicked")
    seen = await frame(to_alice)
    assert (seen["type"], seen["op"], seen["member"]["user"]["handle"]) == ("rooms.member", "kicked", "bob")

    # the room goes on without bob
    await to_alice.send_json_to({"type": "chat.send", "body": "bye bob"})
    await to_alice.send_json_to({"type": "sync.pause"})
    assert [e["type"] for e in await frames(to_alice, 2)] == ["rooms.chat", "rooms.state"]
    await quiet(to_bob)
    await to_bob.send_json_to({"type": "chat.send", "body": "still here?"})
    await quiet(to_alice)
    assert await call(ChatMessage.objects.count) == 1

    # and bob can't come back in
    again = await sockets(room_path(room.code), await call(login, bob))
    assert (await closed(again))["reason"] == "not_a_member"


@pytest.mark.asyncio
async def test_member_who_leaves_elsewhere_is_closed_and_hears_nothing_more(room, alice, bob, both):
    to_alice, to_bob = await both()
    await call(room_leave, user=bob, room=room)  # e.g. from another tab, over HTTP

    left = await frame(to_bob)
    assert (left["type"], left["op"], left["member"]["user"]["handle"]) == ("rooms.member", "left", "bob")
    assert await frame(to_bob) == {"type": "rooms.room", "op": "removed", "reason": "left"}
    close = await closed(to_bob)
    assert (close["code"], close["reason"]) == (CloseCode.FORBIDDEN, "left")
    left = await frame(to_alice)
    assert (left["type"], left["op"], left["member"]["user"]["handle"]) == ("rooms.member", "left", "bob")

    await to_alice.send_json_to({"type": "chat.send", "body": "bob left"})
    assert (await frame(to_alice))["type"] == "rooms.chat"
    await quiet(to_bob)


@pytest.mark.asyncio
async def test_closing_the_room_closes_every_socket_4410(room, alice, both):
    to_alice, to_bob = await both()
    await call(room_close, actor=alice, room=room)
    for comm in (to_alice, to_bob):
        event = await frame(comm)
        assert (event["type"], event["op"], event["reason"], event["room"]["code"]) == ("rooms.room", "closed", "closed_by_leader", room.code)
        close = await closed(comm)
        assert (close["code"], close["reason"]) == (CloseCode.GONE, "closed_by_leader")


@pytest.mark.asyncio
async def test_settings_change_reaches_members(room, alice, both):
    to_alice, to_bob = await both()
    await call(room_update, actor=alice, room=room, name="Renamed", chat_mode="mods")
    for comm in (to_alice, to_bob):
        event = await frame(comm)
        assert (event["type"], event["op"], event["room"]["name"], event["room"]["chat_mode"]) == ("rooms.room", "updated", "Renamed", "mods")


# -- the hallway -------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_hallway_hears_public_rooms_only(sockets, alice, bob, carol):
    to_carol = await sockets("/ws/hallway/", await call(login, carol))
    hello = await frame(to_carol)  # docs/realtime.md: every socket says hello on connect
    check(hello, HallwayHello)
    await quiet(to_carol)

    public = await call(room_create, creator=alice, name="Open house", visibility="public")
    created = await frame(to_carol)
    assert (created["type"], created["op"], created["room"]["code"], created["room"]["member_count"]) == (
        "rooms.hallway", "created", public.code, 1)
    await call(room_join, user=bob, room=public)
    updated = await frame(to_carol)
    assert (updated["op"], updated["room"]["member_count"]) == ("updated", 2)

    friends = await call(room_create, creator=bob, name="Just us", visibility=Visibility.FRIENDS)
    private = await call(room_create, creator=bob, name="Secret", visibility=Visibility.PRIVATE)
    await call(room_update, actor=bob, room=friends, name="Still just us")
    await call(room_close, actor=bob, room=private)
    await quiet(to_carol)

    await call(room_close, actor=alice, room=public)
    assert await frame(to_carol) == {"type": "rooms.hallway", "op": "closed", "code": public.code}


@pytest.mark.asyncio
async def test_hallway_needs_a_session(sockets):
    comm = await sockets("/ws/hallway/", None)
    assert (await closed(comm))["code"] == CloseCode.NOT_AUTHENTICATED


# -- partner matching reaches the personal socket ---------------------------------------------------------------
@pytest.mark.asyncio
async def test_partner_found_reaches_both_and_nobody_else(sockets, alice, bob, carol):
    from rooms.services.matching import match_request_create

    personal = {}
    for user in (alice, bob, carol):
        personal[user.handle] = await sockets("/ws/me/", await call(login, user))
        assert (await frame(personal[user.handle]))["type"] == "hello"
    await call(match_request_create, user=alice, speaks=["en"], learns=["es"])
    await call(match_request_create, user=bob, speaks=["es"], learns=["en"])
    for me, partner in (("alice", "bob"), ("bob", "alice")):
        received = {e["type"]: e for e in await frames(personal[me], 2)}
        assert set(received) == {"notifications.notification", "rooms.match"}
        found = received["rooms.match"]
        assert (found["op"], found["partner"]["handle"]) == ("found", partner)
        assert received["notifications.notification"]["notification"]["kind"] == "partner_found"
        assert received["notifications.notification"]["notification"]["data"] == {"room": found["room"]}
    await quiet(personal["carol"])


# -- query counts per message --------------------------------------------------------------------------------
# The rooms path's own statements. Receivers of rooms.signals (gamification) are muted: their
# costs belong to their app's tests, and this count must not move when they change.
ROOM_SIGNALS = (signals.chat_message_sent, signals.room_joined, signals.watch_session_started, signals.watch_time_credited)

# Counted without transaction control (BEGIN on SQLite, SAVEPOINT/RELEASE in tests), the same on both backends.
# chat.send: the author's membership (locked), the room, the rate-limit count, the mentioned members, the insert.
CHAT_SEND_QUERIES = 5
# sync.play: the room (locked), the membership, the update.
SYNC_PLAY_QUERIES = 3


@pytest.mark.asyncio
async def test_chat_send_query_count(room, both):
    to_alice, to_bob = await both()
    await call(warm_automod)
    with mute_signals(*ROOM_SIGNALS), count_queries() as statements:
        await to_bob.send_json_to({"type": "chat.send", "body": "hi @alice"})
        assert (await frame(to_bob))["type"] == "rooms.chat"
        assert (await frame(to_alice))["type"] == "rooms.chat"
    assert len(statements) == CHAT_SEND_QUERIES, statements


@pytest.mark.asyncio
async def test_sync_play_query_count(room, both):
    to_alice, to_bob = await both()
    with mute_signals(*ROOM_SIGNALS), count_queries() as statements:
        await to_alice.send_json_to({"type": "sync.play", "position": 3})
        assert (await frame(to_alice))["type"] == "rooms.state"
        assert (await frame(to_bob))["type"] == "rooms.state"
    assert len(statements) == SYNC_PLAY_QUERIES, statements


@pytest.mark.django_db
def test_service_query_counts(django_assert_num_queries, alice, bob):
    room = set_source(RoomFactory(created_by=alice), YOUTUBE_URL)
    add_member(room, bob)
    warm_automod()
    with mute_signals(*ROOM_SIGNALS):  # inside the test's transaction, each atomic block is a savepoint: + 2
        with django_assert_num_queries(CHAT_SEND_QUERIES + 2):
            message_send(author=bob, room=room, body="hi @alice")
        with django_assert_num_queries(SYNC_PLAY_QUERIES + 2):
            playback_command(actor=alice, room=room, action="play", position=3.0)


@pytest.mark.asyncio
async def test_hand_raise_reaches_every_member_and_shows_in_a_fresh_hello(room, both, alice, bob):
    from rooms.selectors import room_snapshot

    to_alice, to_bob = await both()
    await to_bob.send_json_to({"type": "hand.raise", "is_raised": True})
    raised = [await frame(to_alice), await frame(to_bob)]
    for event in raised:
        assert (event["type"], event["op"], event["user_id"]) == ("rooms.hand", "raised", bob.pk)
        assert event["hand_raised_at"]
    await to_bob.send_json_to({"type": "hand.raise", "is_raised": True})  # already up: nothing new
    await quiet(to_alice)
    fresh = await call(room_snapshot, room=room, user=alice)  # what a reconnecting socket's hello shows
    assert next(m for m in fresh["members"] if m["user"]["id"] == bob.pk)["hand_raised_at"] == raised[0]["hand_raised_at"]
    await to_bob.send_json_to({"type": "hand.raise", "is_raised": False})
    assert (await frame(to_bob))["op"] == "lowered"


@pytest.mark.asyncio
async def test_rooms_me_reaches_only_the_member_whose_powers_changed(room, both, alice, bob):
    from rooms.services.membership import member_set_role

    to_alice, to_bob = await both()
    await call(member_set_role, actor=alice, room=room, target=bob, role="moderator")
    got = [await frame(to_bob), await frame(to_bob)]
    me = next(event for event in got if event["type"] == "rooms.me")
    assert (me["me"]["role"], me["me"]["can_moderate"], me["me"]["member_actions"]["member"]) == (
        "moderator", True, ["mute", "kick", "lower_hand"])
    assert (await frame(to_alice))["type"] == "rooms.member"
    await quiet(to_alice)  # alice's powers did not change: no rooms.me for her
