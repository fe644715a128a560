"""P2P-first 1:1 calls: the relay forwards `p2p.signal` between two peers of one room, and nothing else."""

from __future__ import annotations

import json

import pytest

from media_relay.sfu.relay import Relay

from .conftest import relay_test_config
from .test_signalling import session


@pytest.fixture
def relay():
    return Relay(relay_test_config())


async def joined(relay, peer_id, room="r1"):
    s, wire = session(relay, peer_id=peer_id, room=room)
    await s.handle_text(json.dumps({"type": "join", "room": room}))
    assert wire.last["type"] == "joined"
    wire.sent.clear()
    return s, wire


def signal(to, data, ref=None):
    message = {"type": "p2p.signal", "to": to, "data": data}
    if ref is not None:
        message["ref"] = ref
    return json.dumps(message)


@pytest.mark.asyncio
async def test_a_signal_reaches_only_its_target_in_the_same_room(relay):
    alice, alice_wire = await joined(relay, "alice")
    bob, bob_wire = await joined(relay, "bob")
    carol, carol_wire = await joined(relay, "carol")
    mallory, mallory_wire = await joined(relay, "mallory", room="r2")
    for wire in (alice_wire, bob_wire):
        wire.sent.clear()  # carol's arrival
    offer = {"type": "offer", "sdp": "v=0\r\n..."}

    await alice.handle_text(signal("bob", offer))

    assert bob_wire.sent == [{"type": "p2p.signal", "from": "alice", "data": offer}]
    assert alice_wire.sent == [] and carol_wire.sent == [] and mallory_wire.sent == []  # no ack, nobody else

    # another room's peer is not reachable: an error to the sender only
    await mallory.handle_text(signal("bob", offer, ref="m1"))
    assert mallory_wire.last == {
        "type": "error", "code": "peer_not_found", "message": "No such peer in this room.",
        "extra": {"peer_id": "bob"}, "ref": "m1",
    }
    assert len(bob_wire.sent) == 1
    await relay.close()


@pytest.mark.asyncio
async def test_unknown_target_self_and_not_joined_are_errors_to_the_sender_only(relay):
    alice, alice_wire = await joined(relay, "alice")
    bob, bob_wire = await joined(relay, "bob")
    alice_wire.sent.clear()

    await alice.handle_text(signal("nobody", {"type": "bye"}, ref=1))
    assert alice_wire.last["code"] == "peer_not_found" and alice_wire.last["ref"] == 1
    await alice.handle_text(signal("alice", {"type": "bye"}))
    assert alice_wire.last["code"] == "peer_not_found"
    outsider, outsider_wire = session(relay, peer_id="zed")
    await outsider.handle_text(signal("bob", {"type": "bye"}))
    assert outsider_wire.last["code"] == "not_joined"
    assert bob_wire.sent == [] and alice_wire.closed is None
    await relay.close()


@pytest.mark.asyncio
async def test_shape_and_size_are_limited(relay):
    alice, alice_wire = await joined(relay, "alice")
    bob, bob_wire = await joined(relay, "bob")
    alice_wire.sent.clear()

    await alice.handle_text(json.dumps({"type": "p2p.signal", "to": "bob", "data": "just text"}))
    assert alice_wire.last["code"] == "invalid" and alice_wire.last["extra"] == {"fields": {"data": "wrong type"}}
    await alice.handle_text(json.dumps({"type": "p2p.signal", "data": {}}))
    assert alice_wire.last["extra"] == {"fields": {"to": "required"}}

    limit = alice.MAX_P2P_SIGNAL_BYTES
    await alice.handle_text(signal("bob", {"sdp": "x" * limit}))
    assert alice_wire.last["code"] == "message_too_large" and alice_wire.last["extra"] == {"limit": limit}
    await alice.handle_text(signal("bob", {"sdp": "x" * (limit - 100)}))  # just under: forwarded
    assert len(bob_wire.sent) == 1 and bob_wire.last["from"] == "alice"
    assert alice_wire.closed is None and bob_wire.closed is None
    await relay.close()


@pytest.mark.asyncio
async def test_signals_count_against_the_rate_limit(relay):
    relay.config.messages_per_second, relay.config.message_burst = 0.0, 3
    alice, alice_wire = await joined(relay, "alice")  # the join took one token
    bob, bob_wire = await joined(relay, "bob")
    alice_wire.sent.clear()
    for _ in range(3):
        await alice.handle_text(signal("bob", {"type": "bye"}))
    assert len(bob_wire.sent) == 2 and alice_wire.last["code"] == "rate_limited"
    await relay.close()
