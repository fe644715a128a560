"""Voice through the relay over a real network path, not loopback.

Chromium gathers no ICE candidates on loopback, so the other voice journeys
(test_voice_journey.py) need `--allow-loopback-in-peer-connection`. Here Chromium runs inside
its own network namespace, joined to this machine by a veth pair: the browser has only the
namespace's end (`<net>.2`), daphne and the relay listen on the host's end (`<net>.1`, a /30 in
10.213.0.0/16 that exists only here and only while the test runs). Two people in a voice room,
with fake microphones, hear each other through the relay: WebRTC stats show the received audio
growing and carrying energy on the ICE pair between the two veth addresses, and WebAudio hears it.

Needs root (or CAP_NET_ADMIN) and iproute2: skipped with the reason otherwise, failed in CI.
"""

import ipaddress
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_voice_journey import (
    HEARD_LEVEL,
    RECEIVED_BYTES,
    expect_mode,
    friends_in_a_new_voice_room,
    join_voice,
)

pytestmark = pytest.mark.e2e

# Per connection to the relay (every one but the direct, sendrecv one): the audio it receives and
# the addresses of the ICE candidate pair it uses.
RELAY_STATS = """async () => {
  const connections = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState !== "connected") continue;
    if (pc.getTransceivers().some((t) => t.currentDirection === "sendrecv")) continue;
    const stats = await pc.getStats();
    const audio = { bytesReceived: 0, totalAudioEnergy: 0, audioLevel: 0 };
    let pairId = null;
    for (const report of stats.values()) {
      if (report.type === "inbound-rtp" && report.kind === "audio") {
        audio.bytesReceived += report.bytesReceived || 0;
        audio.totalAudioEnergy += report.totalAudioEnergy || 0;
        audio.audioLevel = Math.max(audio.audioLevel, report.audioLevel || 0);
      }
      if (report.type === "transport" && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
    }
    if (!pairId) {  // no transport report naming it: the nominated pair that succeeded
      for (const report of stats.values()) {
        if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") pairId = report.id;
      }
    }
    const pair = pairId ? stats.get(pairId) : null;
    const local = pair && stats.get(pair.localCandidateId), remote = pair && stats.get(pair.remoteCandidateId);
    connections.push({ audio, local: local ? local.address : null, remote: remote ? remote.address : null });
  }
  return connections;
}"""


@dataclass
class Veth:
    namespace: str
    host_address: str  # this machine's end, where daphne and the relay listen
    browser_address: str  # the namespace's end, Chromium's only address besides loopback


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=10)


def _unused_network() -> ipaddress.IPv4Network:
    """A /30 in 10.213.0.0/16 that no interface here has, starting from one picked by our pid
    (the same address on two veths would break overlapping runs)."""
    in_use = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout
    networks = list(ipaddress.ip_network("10.213.0.0/16").subnets(new_prefix=30))
    start = os.getpid() % len(networks)
    for i in range(len(networks)):
        network = networks[(start + i) % len(networks)]
        if f" {network[1]}/" not in in_use:
            return network
    raise RuntimeError("every /30 in 10.213.0.0/16 is in use")


def _cannot(reason: str):
    """No namespace here: a failure in CI (the test must run there), a skip on a developer's machine."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI runs this test as root with iproute2: see .ci/run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def veth():
    """A network namespace joined to this machine by a veth pair; always deleted afterwards."""
    if shutil.which("ip") is None:
        _cannot("needs `ip` (iproute2) to create a network namespace")
    suffix = os.getpid()  # names unique per run, so overlapping runs don't clash (interface names: 15 chars max)
    namespace, host_side, browser_side = f"wt-voice-{suffix}", f"wtv{suffix}h", f"wtv{suffix}n"
    try:
        network = _unused_network()
        host_address, browser_address = str(network[1]), str(network[2])
        _ip("netns", "add", namespace)
        _ip("link", "add", host_side, "type", "veth", "peer", "name", browser_side)
        _ip("link", "set", browser_side, "netns", namespace)
        _ip("addr", "add", f"{host_address}/30", "dev", host_side)
        _ip("link", "set", host_side, "up")
        _ip("-n", namespace, "addr", "add", f"{browser_address}/30", "dev", browser_side)
        _ip("-n", namespace, "link", "set", browser_side, "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
    except subprocess.CalledProcessError as error:
        _delete(namespace, host_side)
        _cannot(f"cannot create a network namespace with a veth pair (root or CAP_NET_ADMIN needed): "
                f"`{' '.join(error.cmd)}`: {error.stderr.strip()}")
    try:
        yield Veth(namespace, host_address, browser_address)
    finally:
        _delete(namespace, host_side)


def _delete(namespace: str, host_side: str) -> None:
    # Deleting one end of a veth deletes both, even while a process still holds the namespace.
    subprocess.run(["ip", "link", "del", host_side], capture_output=True, timeout=10)
    subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=10)


@pytest.fixture
def server_host(veth, monkeypatch):
    """Overrides conftest's: daphne and the relay (which inherit this environment) listen on, and the
    relay announces, the host's end of the veth."""
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", veth.host_address)
    monkeypatch.setenv("MEDIA_RELAY_ALLOW_PRIVATE_PEERS", "true")  # the browser's address is private
    # With REDIS_URL, rooms go to any live worker in the registry: only ours, reachable from the namespace.
    monkeypatch.setenv("MEDIA_RELAY_REGISTRY_PREFIX", f"relay-netns-{os.getpid()}:")
    return veth.host_address


@pytest.fixture
def browser(veth, asgi_server, tmp_path):
    """Overrides conftest's (new_page uses this one): Chromium inside the namespace. Playwright drives it
    over pipes, so only its own network traffic is in there."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/ensure-chromium).")
    wrapper = tmp_path / "chromium-in-netns"
    wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {veth.namespace} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    args = [arg for arg in CHROMIUM_ARGS if arg != "--allow-loopback-in-peer-connection"] + [
        "--disable-features=WebRtcHideLocalIpsWithMdns",  # real addresses in candidates, not <uuid>.local
        f"--unsafely-treat-insecure-origin-as-secure={asgi_server.url}",  # getUserMedia needs a secure context
    ]
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # as in conftest's browser fixture
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(wrapper), args=args)
            yield browser
            browser.close()
            # Started after the database fixtures, Playwright gives the test its own context, where Django
            # opened another connection: close it here, in that context, or the test database cannot be dropped.
            connections.close_all()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def wait_for_audio_from_relay(page, timeout: float = 15) -> None:
    """The mode turns "relay" before the relay's offer brings the partner's track: wait until it plays and
    audio has arrived, so what follows measures the call, not its setup."""
    expect(page.locator("#voice-audio audio")).to_have_count(1)
    deadline = time.monotonic() + timeout
    while page.evaluate(RECEIVED_BYTES)["relay"] == 0:
        assert time.monotonic() < deadline, f"{page.name}: no audio from the relay within {timeout} s"
        time.sleep(0.2)


def test_two_people_hear_each_other_through_the_relay_over_a_veth_pair(veth, relay, asgi_server, new_page):
    # given: friends, each signed in in a browser inside the namespace, in a voice room
    base = asgi_server.url
    _, (_, leader), (_, guest) = friends_in_a_new_voice_room(base, new_page, "Across the veth")

    # when: both join voice, giving a direct connection no time, so the call goes through the relay
    for page in (leader, guest):
        page.locator("#voice").evaluate("card => { card.dataset.p2pTimeoutMs = '0'; }")
    join_voice(leader)
    join_voice(guest)
    for page in (leader, guest):
        expect_mode(page, "relay")
        expect(page.locator("#seats .seat.in-voice")).to_have_count(2)
        wait_for_audio_from_relay(page)

    # then: each hears the other, from the relay only ...
    for page in (leader, guest):
        assert page.evaluate(HEARD_LEVEL) > 0.05, page.name
        received = page.evaluate(RECEIVED_BYTES)
        assert received["relay"] > 0 and received["direct"] == 0, (page.name, received)

    # ... with received audio that keeps coming and is not silence (WebRTC stats, one second apart) ...
    before = {page.name: page.evaluate(RELAY_STATS) for page in (leader, guest)}
    time.sleep(1)
    for page in (leader, guest):
        to_relay = page.evaluate(RELAY_STATS)
        assert len(to_relay) == 2, (page.name, to_relay)  # publish and subscribe
        audio = [c["audio"] for c in to_relay if c["audio"]["bytesReceived"] > 0]
        assert len(audio) == 1, (page.name, to_relay)  # the subscribe connection
        earlier = next(c["audio"] for c in before[page.name] if c["audio"]["bytesReceived"] > 0)
        assert audio[0]["bytesReceived"] > earlier["bytesReceived"], (page.name, earlier, audio[0])
        assert audio[0]["totalAudioEnergy"] > earlier["totalAudioEnergy"] > 0, (page.name, earlier, audio[0])
        # ... over the veth pair, not loopback: every connection to the relay uses its two addresses
        for connection in to_relay:
            assert (connection["local"], connection["remote"]) == (veth.browser_address, veth.host_address), (
                page.name, connection)
