"""Fixtures for relay tests: an in-process relay on 127.0.0.1 and token-holding peers.

These tests need no database, cache or Redis: the project-wide autouse fixture that
clears the cache is replaced by a no-op here, so they pass with or without
DATABASE_URL / REDIS_URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets

import pytest
import pytest_asyncio

from media_relay.sfu import hooks
from media_relay.sfu.conf import RelayConfig
from media_relay.sfu.relay import Relay
from media_relay.sfu.server import SignallingServer
from media_relay.sfu.tokens import issue_token

from .peers import RelayClient

SECRET = b"test-relay-secret"
ALL_PERMS = ["join", "publish_audio", "publish_video", "subscribe"]
MODERATOR_PERMS = ALL_PERMS + ["mute_others", "kick"]


@pytest.fixture(autouse=True)
def _fast_and_isolated():
    """Override tests/conftest.py's cache-clearing fixture: no cache or DB here."""
    yield


@pytest.fixture(autouse=True)
def loopback_ice():
    """aioice leaves 127.0.0.1 out of host candidates; announce only it."""
    undo = hooks.restrict_host_addresses(["127.0.0.1"])
    yield
    undo()


def relay_test_config(**overrides) -> RelayConfig:
    config = RelayConfig(
        host="127.0.0.1",
        port=0,
        heartbeat_interval=0.5,
        heartbeat_timeout=1.0,
        media_timeout=2.0,
        speaker_interval=0.1,
    )
    for name, value in overrides.items():
        setattr(config, name, value)
    return config


class RelayHarness:
    def __init__(self, server: SignallingServer) -> None:
        self.server = server
        self.relay = server.relay
        self.url = f"ws://127.0.0.1:{server.port}/"
        self.clients: list[RelayClient] = []

    def token(self, peer: str, *, room: str = "room-1", perms=None, ttl: int = 300, session: str = "") -> str:
        return issue_token(
            secret=SECRET, room=room, peer=peer, name=peer.title(), perms=ALL_PERMS if perms is None else perms, ttl=ttl,
            session=session,
        )

    async def client(
        self, peer: str, *, room: str = "room-1", perms=None, join: bool = True, decode: bool = True,
        session: str = "",
    ) -> RelayClient:
        client = RelayClient(self.url, self.token(peer, room=room, perms=perms, session=session), name=peer)
        client.decode = decode
        await client.connect()
        self.clients.append(client)
        if join:
            reply = await client.join(room)
            assert reply["type"] == "joined", reply
        return client

    def router(self, room: str = "room-1"):
        return self.relay.rooms.get(room)


@pytest_asyncio.fixture
async def relay_harness():
    server = SignallingServer(Relay(relay_test_config()), secret=SECRET, port=0)
    await server.start()
    harness = RelayHarness(server)
    try:
        yield harness
    finally:
        for client in harness.clients:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 5)
        await asyncio.wait_for(server.close(), 10)


# ------------------------------------------------------------------ platform side (database, rooms)


@pytest.fixture
def platform_isolation(settings):
    """What tests/conftest.py's autouse fixture does, for the tests that use the database."""
    from tests.isolation import platform_state_reset

    platform_state_reset(settings)
    settings.MEDIA_RELAY_TOKEN_SECRET = SECRET.decode()
    settings.MEDIA_RELAY_REGISTRY_PREFIX = f"test-relay-{secrets.token_hex(6)}:"  # no other run's relay workers


def unique_room_id() -> int:
    """Room ids no parallel test run uses: Redis pub/sub channel names are global across databases."""
    import random

    return random.randrange(10**9, 2**31)


async def eventually(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
