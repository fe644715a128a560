"""The relay worker's Prometheus metrics: GET /metrics on its WHIP/WHEP port (run_relay), for a scraper
holding METRICS_TOKEN only (config.metrics; 404 otherwise). Read from the relay at scrape time, on its
event loop: rooms, peers, producers, consumers; packets forwarded and lost per second and CPU since the
previous scrape; and the running totals.
"""

import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from config.metrics import scraper_allowed

from .sfu.registry import CpuMeter


class RelayCollector:
    def __init__(self, relay):
        self.relay = relay
        self.cpu = CpuMeter()
        self._last: tuple[float, int, int] | None = None  # (monotonic time, packets out, packets lost)

    def _rates(self, packets_out: int, lost: int) -> tuple[float, float]:
        now, last = time.monotonic(), self._last
        self._last = (now, packets_out, lost)
        if last is None or now <= last[0]:
            return 0.0, 0.0
        seconds = now - last[0]
        # closed consumers take their counts with them: never a negative rate
        return max(0.0, (packets_out - last[1]) / seconds), max(0.0, (lost - last[2]) / seconds)

    def collect(self):
        rooms = self.relay.stats()["rooms"]
        total = {key: sum(room[key] for room in rooms)
                 for key in ("peers", "producers", "consumers", "packets_in", "packets_out", "retransmits", "lost")}
        packets_per_second, lost_per_second = self._rates(total["packets_out"], total["lost"])
        for name, help_text, value in (
            ("wt_relay_rooms", "Rooms this worker hosts", len(rooms)),
            ("wt_relay_peers", "Peers connected", total["peers"]),
            ("wt_relay_producers", "Tracks published", total["producers"]),
            ("wt_relay_consumers", "Tracks forwarded to subscribers", total["consumers"]),
            ("wt_relay_packets_per_second", "RTP packets forwarded per second since the last scrape", packets_per_second),
            ("wt_relay_lost_per_second", "Video packets found missing from publishers per second since the last scrape",
             lost_per_second),
            ("wt_relay_cpu_percent", "CPU use of this worker since the last scrape (% of one core)", self.cpu.percent()),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)
        # totals over what is open now (a closed peer takes its counts): Prometheus' rate() copes with resets
        for name, help_text, key in (
            ("wt_relay_packets_in", "RTP packets received from publishers", "packets_in"),
            ("wt_relay_packets_out", "RTP packets forwarded", "packets_out"),
            ("wt_relay_retransmits", "Packets re-sent on subscribers' NACKs", "retransmits"),
            ("wt_relay_packets_lost", "Video packets found missing from publishers", "lost"),
        ):
            yield CounterMetricFamily(name, help_text, value=total[key])


def relay_metrics_handler(relay):
    """The aiohttp handler of the relay's GET /metrics (media_relay.sfu.whip.WhipServer's `metrics`)."""
    registry = CollectorRegistry()
    registry.register(RelayCollector(relay))

    async def metrics(request: web.Request) -> web.Response:
        if not scraper_allowed(request.headers.get("Authorization", "")):
            raise web.HTTPNotFound()
        return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics
