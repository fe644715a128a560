"""Replay: a room socket's hello plus the events of a scripted session equals a fresh snapshot.

Zulip's verify_action: what a client builds from the hello and the events must be what it would
get by reconnecting. An event missing a change, or a hello showing something no event updates,
fails here.
"""

import pytest

from config.event_schema import check
from rooms.events import RoomHello
from rooms.models import Room
from rooms.selectors import room_snapshot
from rooms.services.chat import message_delete, message_send
from rooms.services.membership import member_kick, member_mute, room_join, room_update
from rooms.services.playback import playback_command
from rooms.services.queue import queue_add
from tests.sockets import call, drain, frame, login

from .conftest import room_path
from .factories import OTHER_YOUTUBE_URL, YOUTUBE_URL, RoomFactory, add_member, set_source

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def apply(snapshot: dict, event: dict, *, me: int) -> None:
    """The client's reducer: fold one event into the hello's state."""
    kind = (event["type"], event["op"])
    if kind == ("rooms.state", "updated"):
        snapshot["state"] = event["state"]
    elif kind == ("rooms.room", "updated"):
        snapshot["room"] = event["room"]
    elif kind == ("rooms.queue", "updated"):
        snapshot.update(queue=event["items"], skip_votes=event["skip_votes"], skip_needed=event["skip_needed"])
    elif kind == ("rooms.chat", "created"):
        snapshot["messages"].append(event["message"])
    elif kind == ("rooms.chat", "deleted"):
        message = next(m for m in snapshot["messages"] if m["id"] == event["id"])
        message.update(body="", is_deleted=True)
    elif event["type"] == "rooms.member":
        member, members = event["member"], snapshot["members"]
        at = next((i for i, m in enumerate(members) if m["user"]["id"] == member["user"]["id"]), None)
        if event["op"] in ("left", "kicked"):
            del members[at]
        elif at is None:
            members.append(member)  # the newest member joined last (members are listed by joined_at)
        else:
            members[at] = member
        if member["user"]["id"] == me:
            snapshot["me"].update(role=member["role"], is_muted=member["is_muted"])
    else:
        raise AssertionError(f"the reducer does not know {kind}")


@pytest.fixture
def room(alice, bob):
    """alice leads, bob is a member; a video is playing 10 s in."""
    room = set_source(RoomFactory(created_by=alice, name="Movie night"), YOUTUBE_URL, position=10.0)
    add_member(room, bob)
    return room


async def test_hello_plus_events_equals_a_fresh_snapshot(sockets, room, alice, bob, carol):
    # given alice's socket on the room
    comm = await sockets(room_path(room.code), await call(login, alice))
    hello = await frame(comm)
    check(hello, RoomHello)
    state = {key: value for key, value in hello.items() if key not in ("type", "server_time")}

    # when a session's worth of changes happen
    await call(playback_command, actor=alice, room=room, action="pause", position=42.0)
    message = await call(message_send, author=bob, room=room, body="hello there")
    await call(message_send, author=alice, room=room, body="hi bob")
    await call(queue_add, actor=alice, room=room, url=OTHER_YOUTUBE_URL, title="Up next")
    await call(room_update, actor=alice, room=room, name="Late show", topic="Double feature")
    await call(room_join, user=carol, room=room)
    await call(message_delete, actor=alice, room=room, message_id=message.pk)
    await call(member_mute, actor=alice, room=room, target=carol, is_muted=True)
    await call(playback_command, actor=alice, room=room, action="rate", rate=1.5)
    await call(member_kick, actor=alice, room=room, target=bob)
    events = await drain(comm)

    # then folding the events into the hello gives what a reconnect would show
    assert {event["type"] for event in events} >= {"rooms.state", "rooms.chat", "rooms.queue", "rooms.room", "rooms.member"}
    for event in events:
        apply(state, event, me=alice.pk)
    fresh = await call(lambda: room_snapshot(room=Room.objects.get(pk=room.pk), user=alice))
    assert state == fresh
