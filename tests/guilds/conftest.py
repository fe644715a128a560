"""Fixtures and helpers for the guilds tests.

Sockets, races, `refused` and `commit` come from the rooms tests' helpers (tests/rooms/conftest.py);
only what guilds need on top is here.
"""

import pytest

from tests.rooms.conftest import sockets  # noqa: F401 - a fixture shared with the rooms tests

from .factories import GuildFactory


@pytest.fixture
def guild(alice):
    """A public guild led by alice."""
    return GuildFactory(created_by=alice, name="Night Owls", slug="night-owls")
