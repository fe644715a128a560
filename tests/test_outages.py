"""Figures 8 and 9 of RELIABILITY.md: Redis restarted mid-chat, PostgreSQL stopped mid-requests.

Each test runs its OWN redis-server or PostgreSQL (a temp dir, a free port) and a daphne
process pointed at it: the machine's shared Redis and PostgreSQL are never touched. Where
the binaries are missing the tests skip, except under CI (CI=true), where they fail.
"""

import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from glob import glob
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.urls import path
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.views import APIView
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from config import realtime
from config.outages import WebSocketOutageGuard
from config.realtime import RESYNC_CLOSE_CODE
from rooms.models import ChatMessage
from tests.e2e.conftest import _database_url, _free_port
from tests.rooms.factories import RoomFactory, add_member

REDIS_SERVER = shutil.which("redis-server")
POSTGRES_BIN = (sorted(glob("/usr/lib/postgresql/*/bin/initdb")) or [None])[-1]


def require(binary: str | None, what: str) -> None:
    if binary:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing: CI must run the outage figures (RELIABILITY.md 8 and 9)")
    pytest.skip(f"{what} is missing: this outage figure needs its own server")


def wait_for(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up in {timeout} s")
        time.sleep(0.1)


def answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def daphne(log_path: Path, **env):
    """daphne serving config.asgi in its own process, with `env` over this one's."""
    port = _free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=settings.BASE_DIR, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited: {log_path.read_text()[-2000:]}")
            try:
                return urllib.request.urlopen(f"{url}/healthz", timeout=1).status == 200
            except OSError:
                return False

        try:
            wait_for(healthy, "daphne")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# -- the pieces, without an outage ------------------------------------------------------------------------
def fail_with(error: Exception):
    def view(request):
        raise error

    return view


class BrokenApiView(APIView):
    authentication_classes, permission_classes = [], []

    def get(self, request):
        raise RuntimeError("a bug, with a secret in its traceback")


urlpatterns = [  # this module is the URLconf of the `failing_views` tests
    path("api/v1/bug/", BrokenApiView.as_view()),
    path("api/v1/db-down/", fail_with(OperationalError("connection refused"))),
    path("db-down/", fail_with(OperationalError("connection refused"))),
    path("redis-down/", fail_with(RedisConnectionError("Connection refused"))),
    path("bug/", fail_with(RuntimeError("a bug"))),
]


def database_down_in_a_middleware(get_response):
    def middleware(request):
        if request.path.endswith("/in-middleware/"):
            raise OperationalError("connection refused")  # e.g. the session or the user, loaded before the view
        return get_response(request)

    return middleware


@pytest.fixture
def failing_views(settings):
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.database_down_in_a_middleware"]
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("debug", [True, False])
def test_an_unhandled_api_error_is_a_500_in_the_error_shape_with_no_traceback_debug_or_not(failing_views, settings, debug):
    settings.DEBUG = debug
    response = failing_views.get("/api/v1/bug/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json() == {"code": "server_error", "message": "Something went wrong on our side. It has been logged.",
                               "extra": {}}


def test_a_website_bug_is_still_djangos_500(failing_views, settings):
    settings.DEBUG = False
    assert failing_views.get("/bug/").status_code == 500


@pytest.mark.parametrize("path", ["/api/v1/db-down/", "/db-down/", "/redis-down/", "/api/v1/in-middleware/", "/in-middleware/"])
def test_the_database_or_redis_down_is_a_503_with_retry_after(failing_views, path):
    response = failing_views.get(path)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    if path.startswith("/api/"):
        assert response.json()["code"] == "service_unavailable"
    else:
        assert response["Content-Type"].startswith("text/html") and b"Back in a moment" in response.content


def test_a_missing_server_binary_skips_here_and_fails_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require(None, "redis-server")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run"):
        require(None, "redis-server")
    require("/usr/bin/redis-server", "redis-server")  # present: runs


class FlakyLayer:
    def __init__(self, failures: int):
        self.failures, self.sent = failures, []

    async def group_send(self, group, message):
        self.sent.append((group, message))
        if len(self.sent) <= self.failures:
            raise RedisConnectionError("Connection closed by server.")


@pytest.mark.parametrize("failures", [1, 2])
def test_an_event_that_could_not_be_published_closes_its_groups_sockets_to_resync(monkeypatch, failures):
    layer = FlakyLayer(failures)
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    event = {"type": realtime.EVENT_HANDLER, "text": "{}"}
    realtime.send_now(["room.1"], event)  # with Redis down, the retry fails too: logged, not raised
    assert layer.sent == [("room.1", event), ("room.1", realtime.resync_message())]
    assert realtime.resync_message()["close"] == {"disconnect": "resync", "reason": "resync"}


@pytest.mark.parametrize("fails_after", [None, "websocket.accept", "websocket.close"])
def test_a_socket_that_needs_redis_while_it_is_down_closes_4503_not_500(fails_after):
    sent = []

    async def app(scope, receive, send):
        if fails_after:
            await send({"type": fails_after})
        raise RedisConnectionError("Connection refused")

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    asyncio.run(WebSocketOutageGuard(app)({"type": "websocket"}, receive, send))
    close = {"type": "websocket.close", "code": RESYNC_CLOSE_CODE, "reason": "unavailable"}
    assert sent == {
        None: [{"type": "websocket.accept"}, close],  # the handshake: accepted, then closed with the code
        "websocket.accept": [{"type": "websocket.accept"}, close],
        "websocket.close": [{"type": "websocket.close"}],  # already closed: nothing more
    }[fails_after]


# -- figure 8: Redis restarted mid-chat ------------------------------------------------------------------
class RedisServer:
    """A redis-server of this test's own, without persistence: a restart loses everything, as a crash does."""

    def __init__(self, directory: Path):
        self.directory, self.port, self.process = directory, _free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=(self.directory / "redis.log").open("a"), stderr=subprocess.STDOUT,
        )
        wait_for(lambda: answers(self.port), "redis-server", timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    require(REDIS_SERVER, "redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


CLIENTS, MESSAGES_EACH = 3, 14  # 42 messages, as in the report that opened issue 10
SEND_EVERY, OUTAGE_AFTER, OUTAGE_SECONDS = 0.5, 1.5, 4.0


class ChatClient:
    """A chat client as the room page behaves: it reconnects after any close (with jitter), takes the
    `hello` snapshot as its transcript, and sends again what it sent but the snapshot does not hold."""

    def __init__(self, url: str, code: str, cookie: str, name: str):
        self.ws_url = url.replace("http", "ws") + f"/ws/rooms/{code}/"
        self.headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Origin": url}
        self.unsent = [f"{name}-{n}" for n in range(MESSAGES_EACH)]
        self.unconfirmed: set[str] = set()  # sent on the current socket, not seen since
        self.transcript: dict[int, str] = {}
        self.closes: list[tuple[int | None, str]] = []
        self.refused_with_http: list[int] = []

    @property
    def is_done_sending(self) -> bool:
        return not self.unsent and not self.unconfirmed

    async def run(self, total: int, everyone_done) -> None:
        while True:
            try:
                async with connect(self.ws_url, additional_headers=self.headers) as ws:
                    await self.exchange(ws, total, everyone_done)
                    return
            except ConnectionClosed as closed:
                self.closes.append((closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, ""))
            except InvalidStatus as refused:
                self.refused_with_http.append(refused.response.status_code)
            await asyncio.sleep(0.2 + 0.3 * random.random())

    async def handshake(self) -> tuple:
        """How a new connection is answered: (close code, reason) or ("http", status)."""
        try:
            async with connect(self.ws_url, additional_headers=self.headers) as ws:
                await ws.recv()
                return "open", None
        except ConnectionClosed as closed:
            return closed.rcvd.code, closed.rcvd.reason
        except InvalidStatus as refused:
            return "http", refused.response.status_code

    async def exchange(self, ws, total: int, everyone_done) -> None:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello", hello
        self.transcript = {m["id"]: m["body"] for m in hello["messages"]}
        self.unsent = sorted(self.unconfirmed - set(self.transcript.values())) + self.unsent
        self.unconfirmed = set()
        next_send = time.monotonic()
        settle_until = None
        while True:
            if self.unsent and time.monotonic() >= next_send:
                body = self.unsent.pop(0)
                self.unconfirmed.add(body)
                await ws.send(json.dumps({"type": "chat.send", "body": body}))
                next_send = time.monotonic() + SEND_EVERY
            if everyone_done():
                settle_until = settle_until or time.monotonic() + 8
                if len(self.transcript) >= total or time.monotonic() > settle_until:
                    return
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 0.1))
            except TimeoutError:
                continue
            assert frame["type"] != "error", frame
            if frame["type"] == "rooms.chat" and frame["op"] == "created":
                self.transcript[frame["message"]["id"]] = frame["message"]["body"]
                self.unconfirmed.discard(frame["message"]["body"])


def test_figure_8_redis_restarted_mid_chat_every_message_persists_and_every_transcript_equals_the_database(
    transactional_db, tmp_path, own_redis
):
    # given: a room with three members, each chatting over a real WebSocket to a daphne on our own Redis
    room = RoomFactory()
    users = [room.created_by, *(add_member(room).user for _ in range(CLIENTS - 1))]
    env = {"DATABASE_URL": _database_url(), "REDIS_URL": own_redis.url, "ROOM_CHAT_RATE_MAX_MESSAGES": "1000"}
    with daphne(tmp_path / "daphne.log", **env) as url:
        clients = [ChatClient(url, room.code, session_cookie(user), f"c{i}") for i, user in enumerate(users)]
        outage = {}

        async def restart_redis():
            await asyncio.sleep(OUTAGE_AFTER)
            outage["start"] = time.time()
            await asyncio.to_thread(own_redis.stop)
            outage["handshake"] = await clients[0].handshake()
            await asyncio.sleep(OUTAGE_SECONDS)
            outage["end"] = time.time()
            await asyncio.to_thread(own_redis.start)

        async def scenario():
            # when: they send 42 messages while Redis is stopped for 4 s and started again, empty
            def everyone_done() -> bool:
                return "end" in outage and all(c.is_done_sending for c in clients)

            total = CLIENTS * MESSAGES_EACH
            tasks = [asyncio.create_task(restart_redis()), *(asyncio.create_task(c.run(total, everyone_done)) for c in clients)]
            _, stuck = await asyncio.wait(tasks, timeout=40)  # a client never told to resync waits forever
            for task in stuck:
                task.cancel()
            for result in await asyncio.gather(*tasks, return_exceptions=True):
                if isinstance(result, Exception):  # e.g. an error frame (not CancelledError)
                    raise result

        asyncio.run(scenario())

    # then: a handshake during the outage was refused with the documented code, not HTTP 500
    assert outage["handshake"] == (RESYNC_CLOSE_CODE, "unavailable")
    # and every message is stored once, some of them while Redis was down (nothing waited on it)
    stored = dict(ChatMessage.objects.filter(room=room).values_list("id", "body"))
    assert sorted(stored.values()) == sorted(f"c{i}-{n}" for i in range(CLIENTS) for n in range(MESSAGES_EACH))
    during = ChatMessage.objects.filter(room=room, created_at__range=[datetime.fromtimestamp(outage[edge], UTC)
                                                                      for edge in ("start", "end")])
    for client_index in range(CLIENTS):
        assert during.filter(body__startswith=f"c{client_index}-").exists(), "a message sent during the outage waited"
    print(f"figure 8: {len(stored)} messages stored, {during.count()} during the {OUTAGE_SECONDS:.0f} s Redis outage; "
          f"closes seen by each client: {[c.closes for c in clients]}")
    for client in clients:
        # every client was told to resync (closed with the documented code), never refused with a 500,
        # and after the resync its transcript is the database's
        assert (RESYNC_CLOSE_CODE, "resync") in client.closes, client.closes
        assert {code for code, _ in client.closes} == {RESYNC_CLOSE_CODE}, client.closes
        assert client.refused_with_http == []
        assert client.transcript == stored


# -- figure 9: PostgreSQL stopped mid-requests -----------------------------------------------------------
class PostgresServer:
    """A PostgreSQL cluster of this test's own, in a temp dir, on a free port (as `postgres` when we are
    root: initdb refuses root), loaded with a copy of the test database."""

    def __init__(self):
        self.bin = Path(POSTGRES_BIN).parent
        self.directory = Path(tempfile.mkdtemp(prefix="wt-outage-pg-"))
        self.data, self.port = self.directory / "data", _free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.directory, "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/watchtogether"

    def run(self, *args: str, as_owner: bool = True) -> None:
        subprocess.run([*(self.as_owner if as_owner else []), *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self.run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "watchtogether")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def load_copy_of(self, db: dict) -> None:
        """The test database's schema and rows (what the test made so far), through pg_dump."""
        dump = self.directory / "dump.sql"
        self.run(str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "-h", db.get("HOST") or "127.0.0.1",
                 "-p", str(db.get("PORT") or 5432), "-U", db["USER"], "-f", str(dump), db["NAME"], as_owner=False)
        self.run(str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "postgres", "-d", "watchtogether", "-f", str(dump), as_owner=False)

    def query(self, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql).fetchall()

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def own_postgres():
    require(POSTGRES_BIN, "PostgreSQL's initdb")
    server = PostgresServer()
    try:
        server.init()
        yield server
    finally:
        server.remove()


OUTAGE_DB_SECONDS = 5.0


class Traffic:
    """Two callers in a loop, each response noted with the phase it started and ended in: an API client
    creating rooms (two rows each: the room and its leader) and a browser loading the home page."""

    def __init__(self, url: str, token: str, cookie: str):
        self.url, self.phase, self.stopped = url, "before", threading.Event()
        self.api_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.page_headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}
        self.responses: list[dict] = []
        self.threads = [threading.Thread(target=self.loop, args=(kind,)) for kind in ("api", "page")]

    def call(self, kind: str, n: int) -> dict:
        if kind == "api":
            request = urllib.request.Request(f"{self.url}/api/v1/rooms/", data=json.dumps({"name": f"Outage {n}"}).encode(),
                                             headers=self.api_headers, method="POST")
        else:
            request = urllib.request.Request(f"{self.url}/", headers=self.page_headers)
        try:
            response = urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        return {"kind": kind, "status": response.status, "type": response.headers.get("Content-Type", ""),
                "retry_after": response.headers.get("Retry-After"), "body": response.read().decode()}

    def loop(self, kind: str) -> None:
        n = 0
        while not self.stopped.is_set():
            started = self.phase
            answer = self.call(kind, n)
            self.responses.append({**answer, "phases": {started, self.phase}})
            n += 1
            time.sleep(0.1)

    def seen(self, kind: str, status: int, phase: str) -> list[dict]:
        return [r for r in self.responses if r["kind"] == kind and r["status"] == status and r["phases"] == {phase}]


@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                    reason="copies the suite's PostgreSQL test database (pg_dump): set DATABASE_URL, as CI does")
def test_figure_9_postgres_stopped_mid_requests_answers_clean_503s_and_leaves_no_partial_writes(
    transactional_db, tmp_path, own_postgres
):
    from accounts.services.tokens import api_token_create
    from tests.accounts.factories import UserFactory

    # given: a user with an API token and a signed-in browser, copied into our own PostgreSQL, and a daphne
    # on it (DEBUG on, as by default: Django's debug page is what leaked before)
    user = UserFactory()
    _, token = api_token_create(user=user, name="outage")
    cookie = session_cookie(user)
    own_postgres.load_copy_of(settings.DATABASES["default"])
    with daphne(tmp_path / "daphne.log", DATABASE_URL=own_postgres.url, DJANGO_DEBUG="true") as url:
        traffic = Traffic(url, token, cookie)
        for thread in traffic.threads:
            thread.start()
        try:
            # when: PostgreSQL stops mid-requests for 5 s, then starts again
            time.sleep(1)
            traffic.phase = "stopping"
            own_postgres.stop()
            traffic.phase = "down"
            time.sleep(OUTAGE_DB_SECONDS)
            traffic.phase = "starting"
            own_postgres.start()
            traffic.phase = "after"
            wait_for(lambda: traffic.seen("api", 201, "after") and traffic.seen("page", 200, "after"),
                     "serving after the restart", timeout=20)
        finally:
            traffic.stopped.set()
            for thread in traffic.threads:
                thread.join(timeout=15)

    # then: nothing but successes and clean 503s, DEBUG or not
    assert {r["status"] for r in traffic.responses} <= {200, 201, 503}, [r for r in traffic.responses if r["status"] >= 500 and r["status"] != 503][:1]
    api_down, pages_down = traffic.seen("api", 503, "down"), traffic.seen("page", 503, "down")
    assert len(api_down) >= 5 and len(pages_down) >= 5
    assert [r for r in traffic.responses if r["phases"] == {"down"} and r["status"] != 503] == []
    for response in api_down:
        assert response["type"] == "application/json" and response["retry_after"] == "5"
        assert json.loads(response["body"]) == {
            "code": "service_unavailable", "message": "The service is briefly unavailable. Try again in a moment.",
            "extra": {"retry_after": 5},
        }
    for response in pages_down:
        assert response["type"].startswith("text/html") and response["retry_after"] == "5"
        assert "Back in a moment" in response["body"] and "Traceback" not in response["body"]
    print(f"figure 9: {len(traffic.responses)} responses, {len(api_down)} API and {len(pages_down)} page 503s "
          f"during the {OUTAGE_DB_SECONDS:.0f} s PostgreSQL outage, no other status than 200/201/503")
    # and no partial writes: every room created has its leader, and every 201 left its room
    rooms = dict(own_postgres.query(
        "SELECT r.code, count(m.id) FROM rooms_room r LEFT JOIN rooms_roommember m ON m.room_id = r.id "
        "AND m.role = 'leader' GROUP BY r.code"
    ))
    assert rooms and set(rooms.values()) == {1}
    assert {json.loads(r["body"])["code"] for r in traffic.responses if r["status"] == 201} <= set(rooms)
