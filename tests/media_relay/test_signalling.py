"""Signalling without a network: shapes, limits, permissions, tokens, room lifecycle."""

from __future__ import annotations

import json

import pytest

from media_relay.sfu.relay import Relay
from media_relay.sfu.signalling import PeerInfo, SignallingSession, validate
from media_relay.sfu.tokens import TokenError, issue_token, verify_token

from .conftest import relay_test_config
from .test_rtp import FakeClock, FakePeer


class Wire:
    """Collects what a session sends and how it closes."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.closed: tuple[int, str] | None = None

    def send(self, message):
        json.dumps(message)  # every message must be JSON-serialisable
        self.sent.append(message)

    def close(self, code, reason):
        self.closed = (code, reason)

    @property
    def last(self):
        return self.sent[-1]


def session(relay, peer_id="alice", room="r1", perms=("join", "subscribe"), authorize=None):
    wire = Wire()
    peer = PeerInfo(peer_id=peer_id, room=room, name=peer_id, permissions=frozenset(perms))
    return SignallingSession(relay=relay, peer=peer, send=wire.send, close=wire.close, authorize=authorize), wire


@pytest.fixture
def relay():
    return Relay(relay_test_config())


def test_shapes_name_every_bad_field():
    assert validate("consume", {"type": "consume", "producer_ids": ["p1"], "ref": 3}) == {}
    assert validate("consume", {"type": "consume"}) == {"producer_ids": "required"}
    assert validate("consume", {"type": "consume", "producer_ids": []}) == {"producer_ids": "a non-empty list of ids"}
    assert validate("consume", {"type": "consume", "producer_ids": ["x" * 65]}) == {
        "producer_ids": "a non-empty list of ids"
    }
    assert validate("mute", {"type": "mute", "muted": 1}) == {"muted": "wrong type"}
    assert validate("ice", {"type": "ice", "pc": "other"}) == {"pc": "one of ['publish', 'subscribe']"}
    assert validate("ping", {"type": "ping", "t": True}) == {"t": "wrong type"}
    assert validate("join", {"type": "join", "room": "r", "admin": True}) == {"admin": "unexpected"}
    assert validate("produce", {"type": "produce", "sdp": "x" * 100_001}) == {"sdp": "longer than 100000"}


@pytest.mark.asyncio
async def test_join_ping_and_leave(relay):
    s, wire = session(relay)
    await s.handle_text(json.dumps({"type": "ping", "t": 5, "ref": "a"}))
    assert wire.last["type"] == "pong" and wire.last["ref"] == "a"
    await s.handle_text(json.dumps({"type": "consume", "producer_ids": ["p1"]}))
    assert wire.last["code"] == "not_joined"
    await s.handle_text(json.dumps({"type": "join", "room": "r1"}))
    assert wire.last["type"] == "joined" and relay.rooms["r1"].participants["alice"]
    await s.handle_text(json.dumps({"type": "join", "room": "r1"}))
    assert wire.last["code"] == "already_joined"
    await s.handle_text(json.dumps({"type": "leave"}))
    assert wire.closed == (1000, "left") and "r1" not in relay.rooms  # empty rooms close
    await relay.close()


@pytest.mark.asyncio
async def test_errors_are_well_formed_and_echo_ref(relay):
    s, wire = session(relay)
    await s.handle_text('{"type": "nope", "ref": 9}')
    assert wire.last == {
        "type": "error",
        "code": "unknown_type",
        "message": "Unknown message type 'nope'.",
        "extra": {
            "known": [
                "answer", "close_producer", "consume", "ice", "join", "kick", "leave", "mute", "p2p.signal", "ping",
                "pipe", "produce",
            ]
        },
        "ref": 9,
    }
    await s.handle_text("x" * (relay.config.max_message_bytes + 1))
    assert wire.last["code"] == "message_too_large" and wire.last["extra"] == {"limit": relay.config.max_message_bytes}
    await s.handle_text('"just a string"')
    assert wire.last["code"] == "invalid_message"
    assert wire.closed is None  # application errors never close the connection


@pytest.mark.asyncio
async def test_flooding_is_rate_limited_then_closed(relay):
    relay.config.messages_per_second, relay.config.message_burst = 1.0, 5
    s, wire = session(relay)
    clock = FakeClock()
    s._bucket._clock, s._bucket.updated = clock, clock.now  # frozen time: no refill
    for _ in range(5):
        await s.handle_text('{"type": "ping"}')
    assert all(m["type"] == "pong" for m in wire.sent)
    await s.handle_text('{"type": "ping"}')
    assert wire.last["code"] == "rate_limited"
    for _ in range(SignallingSession.MAX_RATE_VIOLATIONS):
        await s.handle_text('{"type": "ping"}')
    assert wire.closed == (4429, "rate_limited")


@pytest.mark.asyncio
async def test_async_authorizer_is_consulted(relay):
    asked = []

    async def authorize(peer, action):
        asked.append((peer.peer_id, action))
        return action != "subscribe"

    s, wire = session(relay, authorize=authorize)
    await s.handle_text('{"type": "join", "room": "r1"}')
    await s.handle_text('{"type": "consume", "producer_ids": ["p1"], "ref": 1}')
    assert wire.last["code"] == "forbidden" and wire.last["extra"] == {"action": "subscribe"}
    assert asked == [("alice", "join"), ("alice", "subscribe")]
    await relay.close()


@pytest.mark.asyncio
async def test_same_peer_joining_again_replaces_the_old_connection(relay):
    first, first_wire = session(relay)
    second, second_wire = session(relay)
    await first.handle_text('{"type": "join", "room": "r1"}')
    await second.handle_text('{"type": "join", "room": "r1"}')
    assert first_wire.closed == (4409, "replaced")
    assert relay.rooms["r1"].participants["alice"] is second.participant
    await relay.close()


@pytest.mark.asyncio
async def test_room_size_is_capped(relay):
    relay.config.max_room_peers = 2
    wires = []
    for name in ("a", "b", "c"):
        s, wire = session(relay, peer_id=name)
        await s.handle_text('{"type": "join", "room": "r1"}')
        wires.append(wire)
    assert wires[2].last["code"] == "room_full"
    await relay.close()


@pytest.mark.asyncio
async def test_silent_peer_is_swept_and_others_told(relay):
    clock = FakeClock()
    router = relay.router_for("r1")
    router.clock = clock
    ghost, watcher = FakePeer("ghost"), FakePeer("watcher")
    ghost.router = watcher.router = router
    router.add_participant(watcher)
    router.add_participant(ghost)
    ghost.touch(clock.now)  # it had media once
    watcher.touch(clock.now)
    clock.now += relay.config.media_timeout + 0.1
    watcher.touch(clock.now)
    router.sweep(clock.now)
    assert "ghost" not in router.participants and {"closed": 4408} in ghost.sent
    assert watcher.sent[-1] == {"type": "media_relay.peer", "op": "left", "peer_id": "ghost", "reason": "vanished"}
    await relay.close()


def test_tokens_round_trip_and_refuse_tampering():
    secret = b"s3cret"
    token = issue_token(secret=secret, room="r", peer="7", perms=["join"], name="Ann", now=1000, ttl=60)
    claims = verify_token(token, secret=secret, now=1030)
    assert (claims.room, claims.peer, claims.name, claims.perms) == ("r", "7", "Ann", frozenset({"join"}))
    with pytest.raises(TokenError, match="expired"):
        verify_token(token, secret=secret, now=1061)
    with pytest.raises(TokenError, match="signature"):
        verify_token(token, secret=b"other", now=1030)
    version, body, sig = token.split(".")
    forged = issue_token(secret=b"attacker", room="r", peer="1", perms=["join", "kick"], now=1000).split(".")[1]
    with pytest.raises(TokenError):
        verify_token(f"{version}.{forged}.{sig}", secret=secret, now=1030)
    for junk in ("", "v1.a", "v2.a.b", "x" * 5000):
        with pytest.raises(TokenError):
            verify_token(junk, secret=secret)
