"""What clients see from a real daphne process at the edges: close codes and their reasons,
bad bytes in URLs, 429s, odd bodies. WebsocketCommunicator and the test client skip daphne and
autobahn; every custom close code once reached browsers as (1011, '') and passed there.
"""

import asyncio
import contextlib
import json

import pytest
import requests
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.selectors import session_store
from rooms.models import Visibility
from rooms.services.membership import room_close
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory, add_member

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="events reach daphne through Redis (set REDIS_URL; CI does)")


def session_key_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def open_socket(url: str, path: str, session_key: str | None = None):
    headers = {"Origin": url}
    if session_key:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return await connect(url.replace("http", "ws") + path, additional_headers=headers, max_size=None)


async def first_frame(socket) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), 10))


async def close_of(socket) -> tuple[int, str]:
    """Read until the server closes; its close code and reason."""
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.wait_for(socket.recv(), 10)
    return socket.close_code, socket.close_reason


async def until(socket, predicate) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if predicate(frame):
            return frame


def test_every_documented_close_code_reaches_the_client_with_its_reason(asgi_server):
    # given: a signed-in user, a signed-out session, a private room and an open one
    alice, bob = UserFactory(), UserFactory()
    alice_key, bob_key = session_key_of(alice), session_key_of(bob)
    ended = Client()
    ended.force_login(UserFactory())
    ended_key = ended.cookies[settings.SESSION_COOKIE_NAME].value
    ended.logout()
    private = RoomFactory(visibility=Visibility.PRIVATE)
    closed = RoomFactory()
    room_close(room=closed)
    open_room = RoomFactory(created_by=alice)
    url = asgi_server.url

    async def refused(path, key):
        return await close_of(await open_socket(url, path, key))

    async def after_hello(path, key, abuse):
        socket = await open_socket(url, path, key)
        assert (await first_frame(socket))["type"] == "hello"
        await abuse(socket)
        return await close_of(socket)

    async def binary(socket):
        await socket.send(b"\x00\x01")

    async def too_big(socket):
        await socket.send(json.dumps({"type": "ping", "pad": "x" * 20 * 1024}))

    async def flood(socket):
        # the bucket refills while the server works through the pings: send far more than the burst
        for _ in range(settings.WS_RATE_BURST * 10):
            await socket.send(json.dumps({"type": "ping"}))

    async def session_ends(socket):  # the session is gone without a word: the next ping finds out
        await sync_to_async(session_store(bob_key).delete)(bob_key)
        await socket.send(json.dumps({"type": "ping"}))

    async def room_closes(socket):
        await sync_to_async(room_close)(room=open_room)

    async def scenario():
        codes = {
            "no session": await refused("/ws/me/", None),
            "ended session": await refused("/ws/me/", ended_key),
            "private room, not a member": await refused(f"/ws/rooms/{private.code}/", alice_key),
            "closed room": await refused(f"/ws/rooms/{closed.code}/", alice_key),
            "binary frame": await after_hello("/ws/me/", alice_key, binary),
            "20 KiB frame": await after_hello("/ws/me/", alice_key, too_big),
            "ping flood": await after_hello("/ws/me/", alice_key, flood),
            "session ended": await after_hello("/ws/me/", bob_key, session_ends),
            "room closed": await after_hello(f"/ws/rooms/{open_room.code}/", alice_key, room_closes),
        }
        await sync_to_async(connections.close_all)()  # the helper thread's, or the test database stays in use
        return codes

    assert asyncio.run(scenario()) == {
        "no session": (4401, "authentication_required"),
        "ended session": (4401, "authentication_required"),
        "private room, not a member": (4403, "not_a_member"),
        "closed room": (4403, "room_closed"),
        "binary frame": (4400, "text_frames_only"),
        "20 KiB frame": (4413, "message_too_big"),
        "ping flood": (4429, "rate_limited"),
        "session ended": (4409, "session_expired"),
        "room closed": (4410, "closed_by_leader"),
    }


def test_a_socket_closed_for_a_bad_frame_leaves_the_other_members_sockets_open(asgi_server):
    alice, bob = UserFactory(), UserFactory()
    room = RoomFactory(created_by=alice)
    add_member(room, bob)
    alice_key, bob_key = session_key_of(alice), session_key_of(bob)
    path = f"/ws/rooms/{room.code}/"

    async def scenario():
        alice_socket = await open_socket(asgi_server.url, path, alice_key)
        bob_socket = await open_socket(asgi_server.url, path, bob_key)
        for socket in (alice_socket, bob_socket):
            await until(socket, lambda f: f["type"] == "hello")
        await bob_socket.send(b"binary")
        bob_closed = await close_of(bob_socket)
        await alice_socket.send(json.dumps({"type": "chat.send", "body": "still here?"}))
        message = await until(alice_socket, lambda f: f["type"] == "rooms.chat")
        await alice_socket.close()
        return bob_closed, message["message"]["body"]

    assert asyncio.run(scenario()) == ((4400, "text_frames_only"), "still here?")


def test_the_hallway_says_hello(asgi_server):
    key = session_key_of(UserFactory())

    async def scenario():
        socket = await open_socket(asgi_server.url, "/ws/hallway/", key)
        hello = await first_frame(socket)
        await socket.close()
        return hello

    hello = asyncio.run(scenario())
    assert hello["type"] == "hello" and isinstance(hello["server_time"], float)


# -- HTTP ------------------------------------------------------------------------------------------------------
def api_token_for(user) -> dict:
    from accounts.services.tokens import api_token_create

    return {"Authorization": f"Bearer {api_token_create(user=user, name='edges')[1]}"}


def test_a_nul_byte_in_a_path_or_query_string_is_a_400(asgi_server):
    headers = api_token_for(UserFactory())
    api = {
        f"{asgi_server.url}/api/v1/rooms/?q=%00": "query",
        f"{asgi_server.url}/api/v1/rooms/%00/": "path",
        f"{asgi_server.url}/api/v1/users/%00/": "path",
    }
    for url, where in api.items():
        response = requests.get(url, headers=headers, timeout=10)
        assert (response.status_code, response.json()["code"], response.json()["extra"]) == (400, "invalid", {"where": where})
    follow = requests.post(f"{asgi_server.url}/api/v1/users/%00/follow/", headers=headers, timeout=10)
    assert (follow.status_code, follow.headers["Content-Type"]) == (400, "application/json")
    page = requests.get(f"{asgi_server.url}/r/%00/", timeout=10)
    assert page.status_code == 400 and page.headers["Content-Type"].startswith("text/html")


@pytest.fixture
def tight_limits(monkeypatch):
    """daphne started with small limits (it reads them from the environment): ask for it before asgi_server."""
    monkeypatch.setenv("RATE_LIMIT_LOGIN", "2/m/ip")
    monkeypatch.setenv("API_THROTTLE_ANON", "2/min")


def test_every_429_says_when_to_retry(tight_limits, asgi_server):
    url = asgi_server.url
    browser = requests.Session()
    browser.get(f"{url}/accounts/login/", timeout=10)
    form = {"login": "nobody@example.com", "password": "wrong", "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
    logins = [browser.post(f"{url}/accounts/login/", data=form, headers={"Referer": url}, timeout=10) for _ in range(3)]
    api = [requests.get(f"{url}/api/v1/handles/free_handle/", timeout=10) for _ in range(3)]

    assert [r.status_code for r in logins] == [200, 200, 429]
    assert logins[-1].headers["Retry-After"] == "60"
    assert [r.status_code for r in api] == [200, 200, 429]
    assert [(r.headers["RateLimit-Limit"], r.headers["RateLimit-Remaining"]) for r in api] == [("2", "1"), ("2", "0"), ("2", "0")]
    assert 1 <= int(api[-1].headers["Retry-After"]) <= 60 and api[-1].json()["code"] == "throttled"


def test_a_multipart_body_daphne_cannot_parse_still_gets_an_answer_in_the_error_shape(asgi_server):
    # Twisted used to parse form bodies before daphne and answer an empty 400 on this one.
    alice, bob = UserFactory(), UserFactory()
    room = RoomFactory(created_by=alice)
    headers = {**api_token_for(alice), "Content-Type": "multipart/form-data; boundary=X"}
    answers = {
        path: requests.post(f"{asgi_server.url}/api/v1/{path}", data=b"--X--\r\n", headers=headers, timeout=10)
        for path in ("friend-requests/", f"rooms/{room.code}/messages/", f"rooms/{room.code}/invites/",
                     f"rooms/{room.code}/queue/reorder/", f"rooms/{room.code}/members/{bob.handle}/mute/")
    }
    for path, response in answers.items():  # an empty multipart body is an empty form: some of these need nothing
        assert response.headers.get("Content-Type") == "application/json", (path, response.status_code, response.content)
        if response.status_code >= 400:
            assert set(response.json()) == {"code", "message", "extra"}, path
    assert (answers["friend-requests/"].status_code, answers["friend-requests/"].json()["code"]) == (400, "invalid")
