"""Each process kind's /metrics, scraped as Prometheus would, finds its families: the web process's sockets
(connects, closes by code, messages and their latency) and channel layer (publishes, drops); the Celery
worker's task outcomes and queue depths on its own port; the relay worker's rooms, peers, consumers,
packets/s, loss and CPU on its WHIP/WHEP port. Each answers 404 without the token. (HTTP and throttles:
tests/test_operations.py.)"""

import urllib.error
import urllib.request

import pytest
from aiohttp import ClientSession
from channels.layers import get_channel_layer
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from redis.exceptions import RedisError

from config import realtime
from config.celery import app as celery_app
from config.worker_metrics import metrics_server_start
from media_relay.relay_metrics import relay_metrics_handler
from media_relay.sfu.conf import RelayConfig
from media_relay.sfu.relay import Relay
from media_relay.sfu.router import Consumer, Producer, Router
from media_relay.sfu.whip import WhipServer
from tests.accounts.factories import UserFactory
from tests.media_relay.test_history import CONT, DELTA, KEY, VP8, video_packet
from tests.media_relay.test_rtp import FakeClock, FakePeer, FakeSink
from tests.sockets import call, login, open_socket

TOKEN = "scrape-me"


def scrape(client=None) -> str:
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.content.decode()


def value(body: str, sample: str, **labels) -> float:
    """One sample's value in a scrape (0 if absent): counters are per process, so tests compare before/after."""
    for family in text_string_to_metric_families(body):
        for found in family.samples:
            if found.name == sample and found.labels == labels:
                return found.value
    return 0.0


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_web_process_counts_sockets_their_messages_closes_and_the_channel_layer(token):
    me = {"consumer": "MeConsumer"}
    before = await call(scrape)
    user = await call(UserFactory)
    comm = await open_socket("/ws/me/", await call(login, user))
    assert comm.connected
    await comm.receive_json_from(timeout=10)  # hello
    assert value(await call(scrape), "wt_ws_open", **me) == value(before, "wt_ws_open", **me) + 1
    await comm.send_json_to({"type": "ping", "ref": "p"})
    while (await comm.receive_json_from(timeout=10))["type"] != "pong":
        pass
    await comm.send_json_to({"type": "nonsense"})  # an unknown type: answered with an error, not a label
    await comm.receive_json_from(timeout=10)
    await comm.disconnect(code=4000)
    after = await call(scrape)

    def grew(sample: str, by: float = 1, **labels) -> bool:
        return value(after, sample, **labels) == value(before, sample, **labels) + by

    assert grew("wt_ws_connects_total", **me) and grew("wt_ws_connect_seconds_count", **me)
    assert value(after, "wt_ws_open", **me) == value(before, "wt_ws_open", **me)
    assert grew("wt_ws_closes_total", code="4000", **me)
    assert grew("wt_ws_messages_total", type="ping", **me) and grew("wt_ws_message_seconds_count", type="ping", **me)
    assert 'type="nonsense"' not in after


def test_publishes_and_drops_of_the_channel_layer_are_counted(token, monkeypatch):
    before = scrape()
    realtime.send_now(["metrics.test"], {"type": realtime.EVENT_HANDLER, "text": "{}"})
    after = scrape()
    assert value(after, "wt_channel_layer_publishes_total") == value(before, "wt_channel_layer_publishes_total") + 1

    async def refuse(group, message):
        raise RedisError("down")

    monkeypatch.setattr(get_channel_layer(), "group_send", refuse)
    realtime.send_now(["metrics.test"], {"type": realtime.EVENT_HANDLER, "text": "{}"})
    assert value(scrape(), "wt_channel_layer_drops_total") == value(after, "wt_channel_layer_drops_total") + 1


# -- the Celery worker ---------------------------------------------------------------------------------
@celery_app.task(name="tests.metrics_ok")
def metrics_ok():
    return 1


@celery_app.task(name="tests.metrics_broken")
def metrics_broken():
    raise ValueError("broken on purpose")


def worker_scrape(port: int, token: str | None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_the_worker_serves_task_outcomes_and_queue_depths_on_its_own_port(token, settings):
    server = metrics_server_start(celery_app, host="127.0.0.1", port=0)
    before = worker_scrape(server.server_port, TOKEN)[1]
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")
    try:
        for _ in range(3):  # waiting: no worker takes them
            celery_app.send_task("tests.metrics_ok")
        metrics_ok.apply()
        metrics_broken.apply()
        assert worker_scrape(server.server_port, None)[0] == 404
        assert worker_scrape(server.server_port, "wrong")[0] == 404
        status, body = worker_scrape(server.server_port, TOKEN)
    finally:
        server.shutdown()
        server.server_close()
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge("celery")
    assert status == 200
    for task, outcome in (("tests.metrics_ok", "success"), ("tests.metrics_broken", "failure")):
        labels = {"task": task, "outcome": outcome}
        assert value(body, "wt_celery_tasks_total", **labels) == value(before, "wt_celery_tasks_total", **labels) + 1
    assert value(body, "wt_celery_queue_depth", queue="celery") == 3


# -- the relay worker ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_the_relay_serves_rooms_peers_consumers_packets_loss_and_cpu(token):
    relay = Relay(RelayConfig(host="127.0.0.1", port=0, ice_addresses=["127.0.0.1"]))
    router = Router("r", config=RelayConfig(), clock=FakeClock())
    relay.rooms["r"] = router
    producer = router.add_producer(
        Producer(router=router, peer=FakePeer("pub"), kind="video", codec=VP8, rtx_payload_type=None))
    router.add_consumer(Consumer(router=router, peer=FakePeer("sub"), producer=producer, sink=FakeSink()))
    for seq, payload in ((10, KEY), (11, CONT), (14, DELTA)):  # 12 and 13 never arrive
        await producer.on_rtp(video_packet(seq, 1000, payload), 0)
    whip = WhipServer(relay, secret=b"s", host="127.0.0.1", metrics=relay_metrics_handler(relay))
    port = await whip.start()
    try:
        async with ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 404
            async with http.get(f"http://127.0.0.1:{port}/metrics",
                                headers={"Authorization": f"Bearer {TOKEN}"}) as response:
                assert response.status == 200
                body = await response.text()
    finally:
        await whip.close()
    assert "wt_relay_rooms 1.0" in body and "wt_relay_consumers 1.0" in body and "wt_relay_producers 1.0" in body
    assert "wt_relay_packets_lost_total 2.0" in body and "wt_relay_packets_in_total 3.0" in body
    for family in ("wt_relay_peers", "wt_relay_packets_per_second", "wt_relay_lost_per_second",
                   "wt_relay_cpu_percent", "wt_relay_packets_out_total", "wt_relay_retransmits_total"):
        assert f"\n{family} " in body, family
