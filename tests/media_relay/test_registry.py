"""The Redis registry (media_relay.sfu.registry): heartbeats, placement on the first grant, the admin page.

Real Redis: skipped without REDIS_URL (CI sets it). Every test uses its own key prefix, so parallel
runs sharing a Redis database never see each other's workers or rooms.
"""

import threading
import time
import uuid

import pytest
from django.conf import settings as django_settings

from media_relay import relay_settings
from media_relay.relay_settings import registry_for_settings
from media_relay.services import relay_grant
from media_relay.sfu import registry as registry_module
from media_relay.sfu.registry import Registry, WorkerHeartbeat, WorkerLoad, estimate_capacity
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory, add_member

pytestmark = pytest.mark.skipif(not django_settings.REDIS_URL, reason="REDIS_URL is not set (CI sets it)")


@pytest.fixture
def registry(settings):
    settings.MEDIA_RELAY_REGISTRY_PREFIX = f"test-relay-{uuid.uuid4().hex[:12]}:"
    registry = registry_for_settings()
    yield registry
    keys = list(registry.client.scan_iter(match=f"{registry.prefix}*"))
    if keys:
        registry.client.delete(*keys)


def worker(worker_id: str, *, consumers: int = 0, peers: int = 0, rooms=(), capacity: int = 1000) -> WorkerLoad:
    return WorkerLoad(id=worker_id, url=f"ws://{worker_id}/", http_url=f"http://{worker_id}:8780/", rooms=list(rooms),
                      peers=peers, consumers=consumers, capacity=capacity, heartbeat_at=time.time())


def test_a_heartbeat_lists_the_worker_until_it_expires(registry, monkeypatch):
    monkeypatch.setattr(registry_module, "WORKER_TTL", 1)
    registry.heartbeat(worker("w1", consumers=12, peers=4, rooms=["room-1"]))
    [listed] = registry.worker_list()
    assert (listed.id, listed.url, listed.consumers, listed.peers, listed.rooms) == ("w1", "ws://w1/", 12, 4, ["room-1"])
    assert registry.client.ttl(registry.worker_key("w1")) == 1
    time.sleep(1.2)
    assert registry.worker_list() == []


def test_a_room_goes_to_the_least_loaded_worker_and_stays_there(registry):
    registry.heartbeat(worker("busy", consumers=600))
    registry.heartbeat(worker("idle", consumers=100))
    registry.heartbeat(worker("small", consumers=100, capacity=150))  # 67 % loaded
    assert registry.room_worker_place("room-1").id == "idle"
    registry.heartbeat(worker("idle", consumers=900))
    assert registry.room_worker_place("room-1").id == "idle"  # placed: load no longer matters
    assert registry.room_worker_place("room-2").id == "busy"


def test_two_concurrent_first_grants_place_the_room_on_one_worker(registry, monkeypatch):
    for n in range(4):
        registry.heartbeat(worker(f"w{n}"))
    preferred = threading.local()
    # each thread would choose a different worker, as if their load readings differed
    monkeypatch.setattr(registry_module, "least_loaded", lambda workers: next(w for w in workers if w.id == preferred.id))
    for attempt in range(20):
        room, barrier, chosen = f"room-{attempt}", threading.Barrier(2), []

        def grant(worker_id, room=room, barrier=barrier, chosen=chosen):
            preferred.id = worker_id
            barrier.wait()
            chosen.append(registry.room_worker_place(room).id)

        threads = [threading.Thread(target=grant, args=(worker_id,)) for worker_id in ("w1", "w2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(chosen) == 2 and chosen[0] == chosen[1], chosen
        assert registry.client.get(registry.room_key(room)).decode() == chosen[0]


def test_a_room_on_a_dead_worker_is_placed_again(registry):
    registry.heartbeat(worker("w1"))
    assert registry.room_worker_place("room-1").id == "w1"
    registry.client.delete(registry.worker_key("w1"))  # as if its heartbeat had expired
    registry.heartbeat(worker("w2"))
    assert registry.room_worker_place("room-1").id == "w2"
    assert [(p.room, p.worker_id, p.worker_url) for p in registry.placement_list()] == [("room-1", "w2", "ws://w2/")]


def test_a_worker_keeps_its_rooms_placed_but_never_takes_another_workers(registry):
    registry.heartbeat(worker("w1", rooms=["room-1"]))
    assert registry.client.get(registry.room_key("room-1")) == b"w1"
    registry.heartbeat(worker("w2", rooms=["room-1"]))
    assert registry.client.get(registry.room_key("room-1")) == b"w1"


def test_capacity_is_the_measured_default_until_the_worker_carries_enough_to_extrapolate():
    assert estimate_capacity(consumers=3, cpu_percent=40.0) == 1000
    assert estimate_capacity(consumers=200, cpu_percent=20.0) == 800
    assert estimate_capacity(consumers=200, cpu_percent=95.0) == 200


@pytest.mark.asyncio
async def test_the_worker_heartbeat_reports_its_rooms_and_leaves_on_close(registry):
    class FakeRelay:
        cascade = None

        def stats(self):
            return {"rooms": [{"room": "room-9", "peers": 3, "producers": 2, "consumers": 6, "packets_out": 500},
                              {"room": "stream-4", "peers": 1, "producers": 0, "consumers": 0, "packets_out": 0}]}

    heartbeat = WorkerHeartbeat(FakeRelay(), registry, worker_id="host:8765", url="wss://relay.example/",
                                http_url="https://relay.example/http/")
    await heartbeat.beat()
    [listed] = registry.worker_list()
    assert (listed.url, listed.http_url, listed.rooms, listed.publishing, listed.peers, listed.consumers) == (
        "wss://relay.example/", "https://relay.example/http/", ["room-9", "stream-4"], ["room-9"], 4, 6)
    assert 0 <= listed.cpu_percent and listed.capacity == 1000
    assert registry.client.get(registry.room_key("room-9")) == b"host:8765"
    await heartbeat.close()
    assert registry.worker_list() == []


@pytest.mark.django_db
def test_the_grant_returns_the_placed_workers_url(registry, settings):
    settings.MEDIA_RELAY_URL = "ws://static.example/"
    alice = UserFactory()
    room = RoomFactory(created_by=alice, kind="voice")
    assert relay_grant(user=alice, room=room)["url"] == "ws://static.example/"  # no live worker: the setting
    registry.heartbeat(worker("w1", consumers=50))
    registry.heartbeat(worker("w2"))
    assert relay_grant(user=alice, room=room)["url"] == "ws://w2/"
    assert registry.client.get(registry.room_key(f"room-{room.pk}")) == b"w2"


@pytest.mark.django_db
def test_listeners_over_the_cap_are_granted_an_edge_worker_and_speakers_the_origin(registry, settings):
    settings.MEDIA_RELAY_VIEWERS_PER_WORKER = 1
    room = RoomFactory(created_by=UserFactory(), kind="voice", is_mic_enabled=False)  # members listen
    listeners = [add_member(room).user for _ in range(2)]
    registry.heartbeat(worker("w1", peers=1))  # the leader's worker, full at a cap of 1
    registry.heartbeat(worker("w2"))
    registry.client.set(registry.room_key(f"room-{room.pk}"), "w1")
    grant = relay_grant(user=listeners[0], room=room)
    assert "publish_audio" not in grant["perms"] and grant["url"] == "ws://w2/"  # an edge of the room
    assert registry.client.smembers(registry.edges_key(f"room-{room.pk}")) == {b"w2"}
    assert relay_grant(user=room.created_by, room=room)["url"] == "ws://w1/"  # the leader may talk: the origin
    settings.MEDIA_RELAY_VIEWERS_PER_WORKER = 0  # no cascading: everyone on the origin
    assert relay_grant(user=listeners[1], room=room)["url"] == "ws://w1/"


@pytest.mark.django_db
def test_the_platforms_whip_url_redirects_to_the_worker_hosting_the_room(registry, client):
    room = RoomFactory(created_by=UserFactory(), kind="voice")
    registry.heartbeat(worker("w1", consumers=50))
    registry.heartbeat(worker("w2"))
    response = client.post(f"/whip/room-{room.pk}", b"v=0", content_type="application/sdp")
    assert (response.status_code, response["Location"]) == (307, f"http://w2:8780/whip/room-{room.pk}")
    assert registry.client.get(registry.room_key(f"room-{room.pk}")) == b"w2"  # placed, like a grant places it


@pytest.mark.django_db
def test_the_admin_page_shows_workers_and_placements_to_staff_only(registry, client):
    registry.heartbeat(WorkerLoad(id="host:8765", url="wss://relay-1.example/", rooms=["room-5"], peers=7,
                                  consumers=42, packets_per_second=2100.0, cpu_percent=12.5, capacity=1000,
                                  heartbeat_at=time.time()))
    url = "/admin/media_relay/workers/"

    client.force_login(UserFactory())
    assert client.get(url).status_code == 302  # not staff: to the admin login

    client.force_login(UserFactory(is_staff=True))
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for figure in ("host:8765", "wss://relay-1.example/", "42", "2100.0", "12.5", "1000", "room-5"):
        assert figure in html
    assert "Media relay workers" in client.get("/admin/").content.decode()


def test_without_redis_there_is_no_registry(settings):
    settings.REDIS_URL = ""
    assert registry_for_settings() is None


def test_registry_keys_are_prefixed():
    registry = Registry(relay_settings._client("redis://127.0.0.1:6379/0"), prefix="x:")
    assert (registry.worker_key("w"), registry.room_key("r")) == ("x:worker:w", "x:room:r")
