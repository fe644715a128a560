"""The per-user socket /ws/me/ through the real ASGI stack.

config.asgi.application: AllowedHostsOriginValidator → AuthMiddlewareStack (session
cookie) → URLRouter → MeConsumer, on the configured channel layer (in-memory on the
embedded default, Redis pub/sub in CI). Services publish after commit, so these tests
use real transactions (django_db(transaction=True)).

/ws/me/ also carries other apps' per-user events (gamification.xp, ...). These tests are
about accounts: other apps' listeners of accounts' domain signals (accounts/signals.py)
are muted here, and frames of other apps' event types are skipped when reading. That
accounts sends those signals is asserted at the boundary (test_connect_marks_the_user_active).

Event types of accounts/events.py asserted here, as they reach sockets:
  notifications.notification created / read / deleted
  social.friend_request created / accepted / rejected / cancelled
  social.friendship created / removed
  social.follow created / removed
  presence.user online / offline
  session.force_logout ended (signed_in_elsewhere, session_expired, signed_out, account_deactivated)
"""

import json
import time

import pytest
import pytest_asyncio
from channels.layers import get_channel_layer
from django.conf import settings
from django.dispatch import Signal
from django.test import Client

from accounts import signals as accounts_signals
from accounts.events import MeHello
from accounts.models import DeviceSession, Notification, PresenceConnection
from accounts.notification_kinds import NotificationKind
from accounts.selectors import session_store
from accounts.services import notifications as notification_services
from accounts.services import social
from accounts.services.sessions import session_start
from accounts.services.users import user_deactivate
from config.event_schema import check
from config.realtime import EVENT_HANDLER, encode, user_group
from config.ws import CloseCode
from tests.queries import count_queries
from tests.sockets import ORIGIN, WAIT, call, closed, disconnect_all, frame, frames, login, open_socket, output, quiet

from .factories import make_friends

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNTS_EVENT_FAMILIES = ("notifications", "social", "presence", "session")


def is_other_apps_event(output: dict) -> bool:
    """A frame another app published to the user's group (protocol frames have no dot: hello, pong, error)."""
    if output["type"] != "websocket.send" or "text" not in output:
        return False
    kind = json.loads(output["text"]).get("type", "")
    return "." in kind and kind.split(".")[0] not in ACCOUNTS_EVENT_FAMILIES


def kinds(events: list[dict]) -> list[tuple[str, str | None]]:
    return sorted((e["type"], e.get("op")) for e in events)


def alogin(user):
    return call(login, user)


def login_client(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.cookies[settings.SESSION_COOKIE_NAME].value


def add_notifications(user, count: int) -> list[Notification]:
    return [Notification.objects.create(recipient=user, kind=NotificationKind.NEW_FOLLOWER) for _ in range(count)]


@pytest.fixture(autouse=True)
def mute_other_apps_listeners(monkeypatch):
    for signal in vars(accounts_signals).values():
        if isinstance(signal, Signal):
            monkeypatch.setattr(signal, "receivers", [])
            monkeypatch.setattr(signal, "sender_receivers_cache", {})


@pytest_asyncio.fixture
async def sockets():
    """open(session_key) → a connected /ws/me/ communicator (its hello read); every one is disconnected at the end."""
    opened = []

    async def open_(session_key: str | None = None, *, origin: bytes | None = ORIGIN, hello: bool = True):
        comm = await open_socket("/ws/me/", session_key, origin=origin, skip=is_other_apps_event)
        opened.append(comm)
        if comm.connected and session_key is not None and hello:
            comm.hello = await frame(comm)
            assert comm.hello["type"] == "hello", comm.hello
            check(comm.hello, MeHello)
        return comm

    yield open_
    await disconnect_all(opened)


# -- the handshake -----------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_no_session_is_accepted_then_closed_4401(sockets):
    comm = await sockets(None)
    assert comm.connected
    close = await closed(comm)
    assert (close["code"], close["reason"]) == (CloseCode.NOT_AUTHENTICATED, "authentication_required")


@pytest.mark.asyncio
async def test_frames_in_flight_after_4401_are_dropped(sockets):
    # The client may send before it sees the close; that must not reach a handler
    # (ping used to fail with AttributeError: no session_key on a refused socket).
    comm = await sockets(None)
    assert (await closed(comm))["code"] == CloseCode.NOT_AUTHENTICATED
    await comm.send_json_to({"type": "ping", "ref": 1})
    await comm.send_json_to({"type": "nope"})
    await quiet(comm)
    await comm.disconnect(timeout=WAIT)  # re-raises anything the consumer raised


@pytest.mark.asyncio
async def test_unknown_session_is_closed_4401(sockets):
    comm = await sockets("0" * 32, hello=False)
    assert (await closed(comm))["code"] == CloseCode.NOT_AUTHENTICATED


@pytest.mark.asyncio
@pytest.mark.parametrize("origin", [b"http://evil.example", b"http://localhost.evil.example", b"null", None])
async def test_foreign_or_missing_origin_is_refused(sockets, alice, origin):
    # Even with a valid session cookie: cross-site WebSocket hijacking is refused at the handshake.
    comm = await sockets(await alogin(alice), origin=origin)
    assert comm.connected is False
    assert not await call(PresenceConnection.objects.exists)


@pytest.mark.asyncio
async def test_valid_session_gets_hello(sockets, alice):
    await call(add_notifications, alice, 2)
    comm = await sockets(await alogin(alice))
    assert comm.connected
    assert comm.hello == {"type": "hello", "user_id": alice.pk, "unread_count": 2}
    assert await call(PresenceConnection.objects.filter(user=alice).count) == 1


# -- messages: round trip, error frames, protocol abuse ---------------------------------------------------------
@pytest.mark.asyncio
async def test_ping_pong(sockets, alice):
    comm = await sockets(await alogin(alice))
    before = time.time() * 1000
    await comm.send_json_to({"type": "ping", "ref": "r1", "t": 123.5})
    pong = await frame(comm)
    assert set(pong) == {"type", "ref", "t", "server_received", "server_time"}
    assert before <= pong["server_received"] <= pong["server_time"]
    assert (pong["type"], pong["ref"], pong["t"]) == ("pong", "r1", 123.5)
    assert before <= pong["server_time"] <= time.time() * 1000


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text, code, ref",
    [
        (json.dumps({"type": "dance", "ref": 7}), "unknown_type", 7),
        ("{not json", "invalid_json", None),
        ("[1, 2, 3]", "invalid_message", None),
        ('"ping"', "invalid_message", None),
        (json.dumps({"type": 5}), "invalid_message", None),
        (json.dumps({"type": "ping", "t": "soon", "ref": "x"}), "invalid", "x"),
    ],
    ids=["unknown-type", "invalid-json", "array", "string", "type-not-a-string", "bad-field"],
)
async def test_bad_message_gets_an_error_frame_and_the_socket_stays_open(sockets, alice, text, code, ref):
    comm = await sockets(await alogin(alice))
    await comm.send_to(text_data=text)
    error = await frame(comm)
    assert set(error) == {"type", "code", "message", "extra", "ref"}
    assert (error["type"], error["code"], error["ref"]) == ("error", code, ref)
    assert isinstance(error["message"], str) and error["message"]
    if code == "unknown_type":
        assert error["extra"] == {"known": ["ping"]}
    if code == "invalid":
        assert "t" in error["extra"]["fields"]
    await comm.send_json_to({"type": "ping", "ref": "after"})
    assert (await frame(comm))["ref"] == "after"


@pytest.mark.asyncio
async def test_message_at_the_size_limit_is_fine(sockets, alice):
    comm = await sockets(await alogin(alice))
    envelope = json.dumps({"type": "ping", "ref": "big", "pad": ""})
    await comm.send_to(text_data=envelope.replace('"pad": ""', '"pad": "' + "x" * (settings.WS_MAX_MESSAGE_BYTES - len(envelope)) + '"'))
    assert (await frame(comm))["ref"] == "big"


def oversize_ascii() -> dict:
    return {"text_data": json.dumps({"type": "ping", "pad": "x" * settings.WS_MAX_MESSAGE_BYTES})}


def oversize_in_bytes_only() -> dict:
    # Fewer characters than the limit, but more bytes: the limit is on bytes.
    return {"text_data": json.dumps({"type": "ping", "pad": "é" * (settings.WS_MAX_MESSAGE_BYTES // 2)}, ensure_ascii=False)}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "make_frame, code",
    [
        (oversize_ascii, CloseCode.MESSAGE_TOO_BIG),
        (oversize_in_bytes_only, CloseCode.MESSAGE_TOO_BIG),
        (lambda: {"bytes_data": b"\x00\x01binary"}, CloseCode.PROTOCOL_ERROR),
    ],
    ids=["too-big", "too-big-in-bytes", "binary"],
)
async def test_protocol_abuse_closes_only_that_connection(sockets, alice, bob, make_frame, code):
    offender, bystander = await sockets(await alogin(alice)), await sockets(await alogin(bob))
    await offender.send_to(**make_frame())
    assert (await closed(offender))["code"] == code
    await bystander.send_json_to({"type": "ping", "ref": "still-here"})
    assert (await frame(bystander))["ref"] == "still-here"
    await quiet(offender)


@pytest.mark.asyncio
async def test_flood_closes_4429_while_another_user_keeps_flowing(sockets, settings, alice, bob):
    settings.WS_RATE_PER_SECOND = 0.01  # no refill while the test runs: exactly the burst gets through
    burst = settings.WS_RATE_BURST
    flooder, bystander = await sockets(await alogin(alice)), await sockets(await alogin(bob))
    for i in range(burst + 10):
        await flooder.send_json_to({"type": "ping", "ref": i})
    answered = []
    while (out := await output(flooder))["type"] != "websocket.close":
        answered.append(json.loads(out["text"])["ref"])
    assert out["code"] == CloseCode.RATE_LIMITED
    assert answered == list(range(burst))
    await bystander.send_json_to({"type": "ping", "ref": "b"})
    assert (await frame(bystander))["ref"] == "b"


# -- group events: they reach every socket of the people involved, and no one else -----------------------------
@pytest.mark.asyncio
async def test_friend_request_reaches_both_sides_and_nobody_else(sockets, alice, bob, carol):
    to_alice, to_carol = await sockets(await alogin(alice)), await sockets(await alogin(carol))
    bob_key = await alogin(bob)
    bob_tabs = [await sockets(bob_key), await sockets(bob_key)]  # every socket of the recipient gets it

    request = await call(social.friend_request_send, sender=alice, recipient=bob)

    for tab in bob_tabs:
        received = await frames(tab, 2)
        assert kinds(received) == [("notifications.notification", "created"), ("social.friend_request", "created")]
        note = next(e for e in received if e["type"] == "notifications.notification")
        assert note["unread_count"] == 1
        assert (note["notification"]["kind"], note["notification"]["actor"]["handle"]) == ("friend_request", "alice")
        assert note["notification"]["data"] == {"friend_request_id": request.pk}
    sent = await frame(to_alice)
    assert (sent["type"], sent["op"], sent["id"]) == ("social.friend_request", "created", request.pk)
    assert (sent["from_user"]["handle"], sent["to_user"]["handle"]) == ("alice", "bob")
    await quiet(to_carol)
    await quiet(to_alice)


@pytest.mark.asyncio
async def test_accept_and_unfriend_events(sockets, alice, bob):
    request = await call(social.friend_request_send, sender=alice, recipient=bob)
    to_alice, to_bob = await sockets(await alogin(alice)), await sockets(await alogin(bob))

    await call(social.friend_request_accept, user=bob, request_id=request.pk)
    for_alice, for_bob = await frames(to_alice, 3), await frames(to_bob, 3)
    assert kinds(for_alice) == [
        ("notifications.notification", "created"), ("social.friend_request", "accepted"), ("social.friendship", "created"),
    ]
    assert kinds(for_bob) == [
        ("notifications.notification", "deleted"), ("social.friend_request", "accepted"), ("social.friendship", "created"),
    ]
    accepted = next(e for e in for_alice if e["type"] == "notifications.notification")
    assert accepted["notification"]["kind"] == "friend_accepted" and accepted["unread_count"] == 1
    withdrawn = next(e for e in for_bob if e["type"] == "notifications.notification")
    assert withdrawn["unread_count"] == 0 and isinstance(withdrawn["id"], int)
    assert next(e for e in for_alice if e["type"] == "social.friendship")["user"]["handle"] == "bob"
    assert next(e for e in for_bob if e["type"] == "social.friendship")["user"]["handle"] == "alice"

    await call(social.friendship_remove, user=alice, other=bob)
    for comm, other in ((to_alice, "bob"), (to_bob, "alice")):
        removed = await frame(comm)
        assert (removed["type"], removed["op"], removed["user"]["handle"]) == ("social.friendship", "removed", other)
    await quiet(to_alice)


@pytest.mark.asyncio
async def test_reject_and_cancel_events(sockets, alice, bob, carol):
    to_bob_request = await call(social.friend_request_send, sender=alice, recipient=bob)
    to_carol_request = await call(social.friend_request_send, sender=alice, recipient=carol)
    to_alice, to_bob, to_carol = [await sockets(await alogin(u)) for u in (alice, bob, carol)]

    await call(social.friend_request_reject, user=bob, request_id=to_bob_request.pk)
    assert kinds(await frames(to_bob, 2)) == [("notifications.notification", "deleted"), ("social.friend_request", "rejected")]
    rejected = await frame(to_alice)
    assert (rejected["type"], rejected["op"], rejected["id"]) == ("social.friend_request", "rejected", to_bob_request.pk)

    await call(social.friend_request_cancel, user=alice, request_id=to_carol_request.pk)
    assert kinds(await frames(to_carol, 2)) == [("notifications.notification", "deleted"), ("social.friend_request", "cancelled")]
    cancelled = await frame(to_alice)
    assert (cancelled["type"], cancelled["op"], cancelled["id"]) == ("social.friend_request", "cancelled", to_carol_request.pk)
    await quiet(to_bob)


@pytest.mark.asyncio
async def test_follow_events_go_to_the_followee_only(sockets, alice, bob):
    to_alice, to_bob = await sockets(await alogin(alice)), await sockets(await alogin(bob))
    await call(social.follow_create, follower=alice, followee=bob)
    created = await frames(to_bob, 2)
    assert kinds(created) == [("notifications.notification", "created"), ("social.follow", "created")]
    assert next(e for e in created if e["type"] == "social.follow")["follower"]["handle"] == "alice"
    await call(social.follow_remove, follower=alice, followee=bob)
    removed = await frame(to_bob)
    assert (removed["type"], removed["op"], removed["follower"]["handle"]) == ("social.follow", "removed", "alice")
    await quiet(to_alice)


@pytest.mark.asyncio
async def test_notification_read_events(sockets, alice, carol):
    notes = await call(add_notifications, alice, 3)
    to_alice, to_carol = await sockets(await alogin(alice)), await sockets(await alogin(carol))
    assert to_alice.hello["unread_count"] == 3

    await call(notification_services.notification_mark_read, user=alice, notification_id=notes[0].pk)
    assert await frame(to_alice) == {"type": "notifications.notification", "op": "read", "ids": [notes[0].pk], "unread_count": 2}
    await call(notification_services.notification_mark_read, user=alice, notification_id=notes[0].pk)  # already read
    await quiet(to_alice)
    await call(notification_services.notifications_mark_all_read, user=alice)
    assert await frame(to_alice) == {"type": "notifications.notification", "op": "read", "ids": None, "unread_count": 0}
    await quiet(to_carol)


@pytest.mark.asyncio
async def test_delivering_an_event_costs_no_queries(sockets, alice):
    comm = await sockets(await alogin(alice))
    event = {"type": "notifications.notification", "op": "read", "ids": None, "unread_count": 0}
    with count_queries() as statements:
        await get_channel_layer().group_send(user_group(alice.pk), {"type": EVENT_HANDLER, "text": encode(event)})
        assert await frame(comm) == event
    assert statements == []


# -- presence --------------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_presence_online_and_offline_reach_friends_only(sockets, alice, bob, carol):
    await call(make_friends, alice, bob)
    to_bob, to_carol = await sockets(await alogin(bob)), await sockets(await alogin(carol))
    to_alice = await sockets(await alogin(alice))

    online = await frame(to_bob)
    assert online == {"type": "presence.user", "op": "online", "user_id": alice.pk, "handle": "alice", "last_seen_at": None}

    await to_alice.disconnect(timeout=WAIT)
    offline = await frame(to_bob)
    assert (offline["type"], offline["op"], offline["user_id"]) == ("presence.user", "offline", alice.pk)
    assert offline["last_seen_at"] is not None
    await quiet(to_carol)
    assert not await call(PresenceConnection.objects.filter(user=alice).exists)


@pytest.mark.asyncio
async def test_presence_counts_tabs(sockets, alice, bob):
    """Online with the first socket, offline only when the last one closes."""
    await call(make_friends, alice, bob)
    to_bob = await sockets(await alogin(bob))
    key = await alogin(alice)
    first_tab, second_tab = await sockets(key), await sockets(key)
    assert (await frame(to_bob))["op"] == "online"
    await quiet(to_bob)  # the second tab is not news
    await first_tab.disconnect(timeout=WAIT)
    await quiet(to_bob)
    await second_tab.disconnect(timeout=WAIT)
    assert (await frame(to_bob))["op"] == "offline"


@pytest.mark.asyncio
async def test_ping_refreshes_presence_with_one_query(sockets, alice):
    comm = await sockets(await alogin(alice))
    stale = "2000-01-01T00:00:00Z"
    await call(PresenceConnection.objects.filter(user=alice).update, last_heartbeat_at=stale)
    with count_queries() as statements:
        await comm.send_json_to({"type": "ping", "ref": 1})
        assert (await frame(comm))["type"] == "pong"
    # The session check is served by the cache (cached_db); the heartbeat is one UPDATE.
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("UPDATE"), statements
    connection = await call(PresenceConnection.objects.get, user=alice)
    assert connection.last_heartbeat_at.year > 2000


# -- one active session ------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_sign_in_elsewhere_logs_the_old_socket_out(sockets, alice, bob):
    old_key = await alogin(alice)
    old, to_bob = await sockets(old_key), await sockets(await alogin(bob))

    await call(session_start, user=alice, session_key="n" * 32)

    assert await frame(old) == {"type": "session.force_logout", "op": "ended", "reason": "signed_in_elsewhere"}
    close = await closed(old)
    assert (close["code"], close["reason"]) == (CloseCode.SESSION_ENDED, "signed_in_elsewhere")
    assert not await call(session_store(old_key).exists, old_key)
    await to_bob.send_json_to({"type": "ping", "ref": "b"})
    assert (await frame(to_bob))["ref"] == "b"


@pytest.mark.asyncio
async def test_a_real_second_login_ends_the_first(sockets, alice):
    first = await sockets(await alogin(alice))
    second = await sockets(await alogin(alice), hello=False)
    assert (await frame(first))["reason"] == "signed_in_elsewhere"
    assert (await closed(first))["code"] == CloseCode.SESSION_ENDED
    assert (await frame(second))["type"] == "hello"
    await quiet(second)


@pytest.mark.asyncio
async def test_ping_after_the_session_was_deleted_closes_4409(sockets, alice):
    key = await alogin(alice)
    comm = await sockets(key)
    await call(session_store(key).delete)  # expired or flushed, without an event
    await comm.send_json_to({"type": "ping", "ref": "p"})
    assert await frame(comm) == {"type": "session.force_logout", "op": "ended", "reason": "session_expired"}
    close = await closed(comm)
    assert (close["code"], close["reason"]) == (CloseCode.SESSION_ENDED, "session_expired")


@pytest.mark.asyncio
async def test_sign_out_closes_the_socket(sockets, alice):
    client, key = await call(login_client, alice)
    comm = await sockets(key)
    await call(client.logout)
    assert (await frame(comm))["reason"] == "signed_out"
    assert (await closed(comm))["code"] == CloseCode.SESSION_ENDED
    assert not await call(DeviceSession.objects.filter(user=alice).exists)


@pytest.mark.asyncio
async def test_deactivation_closes_the_socket(sockets, alice, bob):
    comm, to_bob = await sockets(await alogin(alice)), await sockets(await alogin(bob))
    await call(user_deactivate, user=alice)
    assert (await frame(comm))["reason"] == "account_deactivated"
    assert (await closed(comm))["code"] == CloseCode.SESSION_ENDED
    await quiet(to_bob)




@pytest.mark.asyncio
async def test_connect_and_disconnect_query_counts(sockets, alice, bob):
    await call(make_friends, alice, bob)
    to_alice = await sockets(await alogin(alice))
    bob_key = await alogin(bob)
    with count_queries() as statements:
        to_bob = await sockets(bob_key)
    # user (auth middleware; the session itself comes from the cache), lock user, online already?,
    # insert the connection, friend ids (to announce), unread count (hello)
    assert len(statements) == 6, statements
    assert (await frame(to_alice))["op"] == "online"
    with count_queries() as statements:
        await to_bob.disconnect(timeout=WAIT)
    # lock user, delete the connection, still online?, user, save last_seen_at, friend ids
    assert len(statements) == 6, statements
    assert (await frame(to_alice))["op"] == "offline"


@pytest.mark.asyncio
async def test_connect_marks_the_user_active(sockets, alice):
    """The boundary to gamification: each socket connect sends accounts.signals.user_active once."""
    key = await alogin(alice)
    seen = []

    def listener(sender, user, **kwargs):
        seen.append(user.pk)

    accounts_signals.user_active.connect(listener, weak=False)
    try:
        await sockets(key)
    finally:
        accounts_signals.user_active.disconnect(listener)
    assert seen == [alice.pk]
