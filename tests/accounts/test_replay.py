"""Replay: /ws/me/'s hello plus the events of a scripted session equals the hello of a new socket."""

import pytest

from accounts.events import MeHello
from accounts.notification_kinds import NotificationKind
from accounts.services.notifications import (
    notification_create,
    notification_mark_read,
    notifications_mark_all_read,
    notifications_withdraw,
)
from config.event_schema import check
from tests.sockets import call, drain, frame, frames, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def apply(snapshot: dict, event: dict) -> None:
    """The client's reducer: the hello holds the unread count, which every notification event carries."""
    if event["type"] == "notifications.notification":
        snapshot["unread_count"] = event["unread_count"]


async def test_hello_plus_events_equals_a_fresh_hello(sockets, alice, bob, carol):
    session = await call(login, alice)
    comm = await sockets("/ws/me/", session)
    state = await frame(comm)
    check(state, MeHello)

    first = await call(notification_create, recipient=alice, kind=NotificationKind.NEW_FOLLOWER, actor=bob)
    await call(notification_create, recipient=alice, kind=NotificationKind.NEW_FOLLOWER, actor=carol)
    await call(notification_create, recipient=alice, kind=NotificationKind.FRIEND_REQUEST, actor=carol,
               data={"request": 99})
    await call(notification_mark_read, user=alice, notification_id=first.pk)
    await call(notifications_withdraw, kind=NotificationKind.FRIEND_REQUEST, data_filter={"request": 99}, recipient=alice)
    await call(notification_create, recipient=alice, kind=NotificationKind.NEW_FOLLOWER, actor=bob)
    events = await frames(comm, 6)  # counted, not drained: under load the sentinel can outrun group events
    assert [event["op"] for event in events if event["type"] == "notifications.notification"] == [
        "created", "created", "created", "read", "deleted", "created"]
    for event in events:
        apply(state, event)
    assert state == await frame(await sockets("/ws/me/", session))

    await call(notifications_mark_all_read, user=alice)
    for event in await drain(comm):
        apply(state, event)
    assert state == await frame(await sockets("/ws/me/", session)) == {"type": "hello", "user_id": alice.pk,
                                                                        "unread_count": 0}
