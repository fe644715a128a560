"""config/ws_auth.py: a socket without a session is anonymous without a trip to the database thread;
one with a session is resolved as channels does."""

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.ws import BaseConsumer, CloseCode
from config.ws_auth import AuthMiddlewareStack
from tests.sockets import login

pytestmark = pytest.mark.django_db(transaction=True)


class Recorder:
    def __init__(self):
        self.users = []

    async def __call__(self, scope, receive, send):
        self.users.append(scope["user"])
        await send({"type": "websocket.close"})


async def handshake(app, cookie: str | None):
    headers = [(b"cookie", cookie.encode())] if cookie else []
    comm = WebsocketCommunicator(AuthMiddlewareStack(app), "/ws/x/", headers=headers)
    await comm.connect()
    await comm.disconnect()


@pytest.mark.asyncio
async def test_no_session_cookie_is_anonymous_without_a_database_trip(monkeypatch):
    import channels.auth

    def no_trip(scope):
        raise AssertionError("get_user called")

    monkeypatch.setattr(channels.auth, "get_user", no_trip)
    app = Recorder()

    await handshake(app, None)

    assert app.users[0].is_anonymous


@pytest.mark.asyncio
async def test_a_session_cookie_still_resolves_its_user(alice):
    from channels.db import database_sync_to_async

    key = await database_sync_to_async(login)(alice)
    app = Recorder()

    await handshake(app, f"{settings.SESSION_COOKIE_NAME}={key}")

    assert app.users[0].is_authenticated and app.users[0].pk == alice.pk


class Open(BaseConsumer):
    allows_anonymous = True

    async def authorize(self):
        return ["test.open"]

    async def on_connected(self):
        await self.send_json({"type": "hello"})


class Closed(Open):
    allows_anonymous = False


@pytest.mark.asyncio
async def test_a_consumer_open_to_anyone_serves_an_anonymous_socket_and_answers_its_pings():
    from channels.routing import URLRouter
    from django.urls import path

    app = AuthMiddlewareStack(URLRouter([path("ws/open/", Open.as_asgi()), path("ws/closed/", Closed.as_asgi())]))
    anonymous = WebsocketCommunicator(app, "/ws/open/")
    assert (await anonymous.connect())[0]
    assert await anonymous.receive_json_from() == {"type": "hello"}
    await anonymous.send_json_to({"type": "ping", "ref": 1})
    assert (await anonymous.receive_json_from())["type"] == "pong"  # no session to re-check
    await anonymous.disconnect()

    refused = WebsocketCommunicator(app, "/ws/closed/")
    await refused.connect()
    assert (await refused.receive_output())["code"] == CloseCode.NOT_AUTHENTICATED
