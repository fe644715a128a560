"""Fixtures and helpers for the guilds tests.

Sockets, races, `refused` and `commit` come from the rooms tests' helpers (tests/rooms/conftest.py);
only what guilds need on top is here.
"""


import pytest
from rest_framework.test import APIClient

from tests.rooms.conftest import commit, sockets  # noqa: F401 - fixtures shared with the rooms tests

from .factories import GuildFactory


@pytest.fixture
def guild(alice):
    """A public guild led by alice."""
    return GuildFactory(created_by=alice, name="Night Owls", slug="night-owls")


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_error(response, status: int, code: str) -> dict:
    """Every API error: exactly {code, message, extra}."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"code", "message", "extra"} and body["code"] == code, body
    return body
