"""A platform ban through a real daphne: every open socket of the account closes with 4451 at once, and
the old session can't reconnect (docs/moderation.md, docs/realtime.md)."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

from moderation.models import ActionKind, BanScope
from moderation.services.actions import case_act
from moderation.services.reports import report_create
from tests.accounts.factories import UserFactory
from tests.e2e.test_server_edges import close_of, first_frame, open_socket, session_key_of
from tests.rooms.factories import RoomFactory

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="events reach daphne through Redis (set REDIS_URL; CI does)")


def test_a_banned_users_sockets_close_with_4451_and_cannot_reconnect(asgi_server):
    # given: alice has her notifications socket and a room's socket open; bob reported her
    alice, bob, staff = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    room = RoomFactory(created_by=alice)
    key = session_key_of(alice)
    case = report_create(reporter=bob, kind="user", target_id=str(alice.pk), category="violence").case
    url = asgi_server.url

    async def scenario():
        me = await open_socket(url, "/ws/me/", key)
        in_room = await open_socket(url, f"/ws/rooms/{room.code}/", key)
        assert (await first_frame(me))["type"] == "hello" and (await first_frame(in_room))["type"] == "hello"
        # when: staff ban her from the platform
        started = time.monotonic()
        await sync_to_async(case_act)(actor=staff, case=case, action=ActionKind.BAN, scope=BanScope.PLATFORM,
                                      reason="Threats")
        closes = await asyncio.gather(close_of(me), close_of(in_room))
        elapsed = time.monotonic() - started
        again = await close_of(await open_socket(url, "/ws/me/", key))
        await sync_to_async(connections.close_all)()
        return closes, elapsed, again

    closes, elapsed, again = asyncio.run(scenario())
    # then: both close with the documented code and reason, and the old session is no longer signed in
    assert closes == [(4451, "account_suspended")] * 2
    assert elapsed < 5
    assert again == (4401, "authentication_required")
