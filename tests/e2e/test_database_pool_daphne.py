"""The PostgreSQL pool in a real daphne process (DATABASE_POOL_*; docs/operations.md): API requests and room
sockets writing chat, some at once, all succeed on at most the pool's connections, which stay open and are
reused. Without the pool every request and socket step opens a connection of its own (and closes it)."""

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection

from rooms.models.chat import ChatMessage
from tests.accounts.factories import UserFactory
from tests.e2e.test_server_edges import api_token_for, open_socket, session_key_of, until
from tests.rooms.factories import RoomFactory, add_member

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's (CI runs PostgreSQL)"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="events reach daphne through Redis (set REDIS_URL; CI does)"),
]

MAX_SIZE = 2
DAPHNE = "wt-pool-daphne"  # libpq names every connection of the daphne process by PGAPPNAME


@pytest.fixture
def pooled_environment(transactional_db, monkeypatch):
    """Ask for it before ``asgi_server``: daphne reads these from the environment set here."""
    connection.ensure_connection()  # this process's own connection keeps its name
    monkeypatch.setenv("PGAPPNAME", DAPHNE)
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", str(MAX_SIZE))
    monkeypatch.setenv("DATABASE_POOL_MIN_SIZE", "1")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "0")


class Backends:
    """Samples pg_stat_activity on a connection of its own: every backend daphne had open, and when."""

    def __init__(self):
        db = connection.settings_dict
        self.sql = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                                   password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True,
                                   application_name="wt-pool-sampler")
        self.seen: set[int] = set()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample_until_done)

    def now(self) -> set[int]:
        rows = self.sql.execute("select pid from pg_stat_activity where application_name = %s and datname = %s",
                                [DAPHNE, connection.settings_dict["NAME"]]).fetchall()
        return {pid for (pid,) in rows}

    def sample_until_done(self):
        while not self.done.wait(0.005):
            self.seen |= self.now()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self.seen |= self.now()


def test_requests_and_sockets_share_at_most_the_pools_connections(pooled_environment, asgi_server):
    alice, bob = UserFactory(), UserFactory()
    room = RoomFactory(created_by=alice)
    add_member(room, bob)
    keys = [session_key_of(alice), session_key_of(bob)]
    headers = api_token_for(alice)
    path = f"/ws/rooms/{room.code}/"

    def api_get(_):
        return requests.get(f"{asgi_server.url}/api/v1/rooms/{room.code}/", headers=headers, timeout=30).status_code

    async def chat(key, who):
        socket = await open_socket(asgi_server.url, path, key)
        await until(socket, lambda frame: frame["type"] == "hello")
        for n in range(4):
            body = f"{who} {n}"
            await socket.send(json.dumps({"type": "chat.send", "body": body}))
            await until(socket, lambda frame, body=body: frame["type"] == "rooms.chat" and frame["message"]["body"] == body)
        await socket.close()

    async def both_chat():
        await asyncio.gather(chat(keys[0], "alice"), chat(keys[1], "bob"))

    with Backends() as backends:
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(api_get, range(12)))  # more at once than the pool holds: they wait their turn
        after_requests = backends.now()
        asyncio.run(both_chat())
        after_sockets = backends.now()

    assert statuses == [200] * 12
    assert ChatMessage.objects.filter(room=room).count() == 8
    assert after_requests and after_sockets <= backends.seen  # kept open between requests...
    assert after_requests & after_sockets  # ...and reused by the sockets
    assert len(backends.seen) <= MAX_SIZE, backends.seen
