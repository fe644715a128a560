"""Fixtures and helpers for the guilds tests.

Sockets come from tests/sockets.py; races and `refused` from the rooms tests' helpers
(tests/rooms/conftest.py); only what guilds need on top is here.
"""

import pytest

from .factories import GuildFactory


@pytest.fixture
def guild(alice):
    """A public guild led by alice."""
    return GuildFactory(created_by=alice, name="Night Owls", slug="night-owls")
