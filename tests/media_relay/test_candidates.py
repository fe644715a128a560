"""media_relay.sfu.candidates: in production the relay never sends to a peer's private addresses."""

import pytest

from media_relay.sfu.candidates import candidate_address, is_private_address, without_private_candidates
from media_relay.sfu.relay import Relay
from media_relay.sfu.server import SignallingServer

from .conftest import SECRET, RelayHarness, relay_test_config
from .peers import ToneTrack


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("192.168.1.20", True), ("10.0.0.7", True), ("172.16.5.1", True), ("127.0.0.1", True),
        ("169.254.10.1", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.251", True),
        ("fd00::1", True), ("fe80::1", True), ("::1", True),
        ("3f6c2a1e-8c1b-4f7e-9a53-0d3e2f1b7c44.local", True),  # mDNS: unresolvable here, never sent to
        ("203.0.113.7", True),  # documentation range: reserved, not global
        ("8.8.8.8", False), ("2001:4860:4860::8888", False),
    ],
)
def test_what_counts_as_private(address, private):
    assert is_private_address(address) is private


def test_only_private_connection_addresses_are_dropped_from_a_description():
    sdp = "\r\n".join([
        "v=0", "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host",
        "a=candidate:2 1 udp 1686052607 8.8.8.8 50001 typ srflx raddr 192.168.1.20 rport 50000",
        "a=candidate:3 1 udp 2122262783 fe80::1 50002 typ host",
        "a=end-of-candidates", "",
    ])
    kept = without_private_candidates(sdp)
    assert kept.split("\r\n") == [
        "v=0", "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=candidate:2 1 udp 1686052607 8.8.8.8 50001 typ srflx raddr 192.168.1.20 rport 50000",
        "a=end-of-candidates", "",
    ]
    assert candidate_address("candidate:1 1 udp 1 10.0.0.1 9 typ host") == "10.0.0.1"


@pytest.mark.asyncio
@pytest.mark.parametrize("allow", [False, True])
async def test_the_relay_takes_a_peers_private_candidates_only_when_allowed(allow):
    server = SignallingServer(Relay(relay_test_config(allow_private_peers=allow)), secret=SECRET, port=0)
    await server.start()
    harness = RelayHarness(server)
    try:
        alice = await harness.client("alice")
        reply = await alice.publish(ToneTrack())
        assert reply["type"] == "answer", reply
        participant = harness.router("room-1").participants["alice"]
        candidates = [line for line in participant.pub_pc.remoteDescription.sdp.split("\r\n") if line.startswith("a=candidate:")]
        assert bool(candidates) is allow  # the test peers offer only loopback candidates (conftest: loopback_ice)
    finally:
        for client in harness.clients:
            await client.close()
        await server.close()
