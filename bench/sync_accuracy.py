"""Sync accuracy of watch rooms, measured with real players.

N headless chromium pages (one browser context each: its own user, cookies and socket)
open one room through static/js/room.js and play a locally served H.264/AAC video. The
leader plays, seeks and pauses. Every page records, every 50 ms, its player's position
and this machine's wall clock; since daphne, the proxy and chromium share that clock,
each sample is compared with the position the server's authoritative state says at that
very instant — no estimate involved (each page's estimated clock offset is reported
separately). Between the browsers and daphne sits an asyncio TCP proxy that delays each
chunk, per direction, by a random 0–J ms while keeping order.

    .venv/bin/python bench/sync_accuracy.py                      # J = 0, 50, 100 ms, 4 players
    .venv/bin/python bench/sync_accuracy.py --jitter 100 --set deadBandMs=20 --set clockMethod=min-rtt
    .venv/bin/python bench/sync_accuracy.py --smoke               # does it still run? (~30 s)

Not part of the test suite. It runs its own daphne on a throwaway SQLite database
(migrated on first use; kept at --db to start faster next time).
"""

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from tests.rooms.js.harness import CHROMIUM, CHROMIUM_ARGS, StaticServer, make_video  # noqa: E402

PASSWORD = "bench-passphrase-42"
CONVERGED_MS = 20  # "in sync": within this of the server's position...
CONVERGED_FOR_S = 1.0  # ...continuously for this long
SETTLE_S = 4.0  # steady-state statistics skip this long after every state change
PEERS = [
    ("OpenTogetherTube", "no clock-offset estimate; hard seek past 1 s, no rate nudging", 1000),
    ("Jellyfin SyncPlay", "speed-to-sync from 60 ms, skip-to-sync from 400 ms", 60),
    ("Syncplay", "slows to 0.95x from 1.5 s, back at 0.1 s", 1500),
]


# -- network: an order-preserving delaying TCP proxy ----------------------------------------------------
class JitterProxy:
    """127.0.0.1:port → upstream; each chunk waits uniform(0, jitter_ms) per direction, in order."""

    def __init__(self, upstream_port: int, seed: int = 1):
        self.upstream_port = upstream_port
        self.jitter_ms = 0.0
        self.random = random.Random(seed)
        self.loop = asyncio.new_event_loop()
        self.port = None
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait(10)

    def _run(self, started):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    async def _client(self, client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        for sock in (client_writer.get_extra_info("socket"), upstream_writer.get_extra_info("socket")):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(self._pump(client_reader, upstream_writer), self._pump(upstream_reader, client_writer),
                             return_exceptions=True)

    async def _pump(self, reader, writer):
        queue: asyncio.Queue = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def deliver():
            while True:
                release, chunk = await queue.get()
                delay = release - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if chunk is None:
                    writer.close()
                    return
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        last_release = 0.0
        try:
            while True:
                chunk = await reader.read(65536)
                release = max(last_release, loop.time() + self.random.uniform(0, self.jitter_ms) / 1000)
                last_release = release
                await queue.put((release, chunk or None))
                if not chunk:
                    break
            await sender
        except (ConnectionError, OSError):
            sender.cancel()
            writer.close()


# -- the server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daphne(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                               cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"daphne did not start:\n{log_path.read_text()[-3000:]}") from None
            time.sleep(0.2)


def prepare_database(env: dict, players: int, video_url: str) -> tuple[str, list[str]]:
    """Migrate, then create the users and a public watch room with the video loaded (paused), everyone
    a member (opening a room page no longer joins: non-members get a preview with a Join button)."""
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from allauth.account.models import EmailAddress

    from accounts.models import User
    from rooms.services.membership import room_create, room_join

    emails = []
    stamp = int(time.time())
    for i in range(players):
        handle = f"bench{stamp % 100000}_{i}"
        user = User.objects.create_user(handle=handle, email=f"{handle}@example.com", password=PASSWORD, display_name=f"Player {i}")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        emails.append(user.email)
    leader = User.objects.get(email=emails[0])
    room = room_create(creator=leader, name=f"Sync bench {stamp}", visibility="public", max_members=max(players, 2),
                       source_url=video_url)
    for email in emails[1:]:
        room_join(user=User.objects.get(email=email), room=room)
    return room.code, emails


# -- the pages -------------------------------------------------------------------------------------
RECORDER = """() => {
  if (window.__bench) return;
  window.__bench = [];
  const now = () => performance.timeOrigin + performance.now();
  setInterval(() => {
    const app = window.WTRoom;
    if (!app || !app.player || !app.playerReady || !app.state) return;
    const wall = Date.now();
    const local = now();
    window.__bench.push({
      wall, position: app.player.currentTime(), paused: app.player.isPaused(), seeking: app.player.isSeeking ? app.player.isSeeking() : false,
      version: app.state.version, state: app.state, offset: app.clock.offset, clockError: app.clock.offset - (wall - local),
      rate: app.player.video ? app.player.video.playbackRate : null, lead: app.corrector.leadMs, rateStep: app.corrector.rateStepMs,
      uncertainty: app.clock.uncertainty, clockSamples: app.clock.count, bounded: Boolean(app.clock.bounds()),
      buffering: app.player.isBuffering, startPending: Boolean(app.startPending),
    });
  }, 50);
}"""


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    try:
        page.wait_for_selector("#bell-button", timeout=30_000)
    except Exception as exc:
        raise SystemExit(f"sign-in failed for {email}: {page.inner_text('body')[:1500]}") from exc


def open_room(page, base: str, code: str, overrides: dict) -> None:
    page.goto(f"{base}/")
    page.evaluate("(o) => localStorage.setItem('wt:sync', JSON.stringify(o))", overrides)
    page.goto(f"{base}/r/{code}/")
    page.wait_for_function("window.WTRoom && window.WTRoom.hellos > 0 && window.WTRoom.playerReady && window.WTRoom.clock.count >= 8",
                           timeout=30_000)
    page.evaluate(RECORDER)


def leader_command(page, message: dict) -> None:
    page.evaluate("(m) => window.WTRoom.socket.request(m, {kind: 'control'})", message)


def wait_version_everywhere(pages, version: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    for page in pages:
        page.wait_for_function("(v) => window.WTRoom.state.version >= v", arg=version,
                               timeout=max(1, (deadline - time.monotonic()) * 1000))


def current_version(page) -> int:
    return page.evaluate("window.WTRoom.state.version")


# -- analysis ------------------------------------------------------------------------------------
def expected(state: dict, wall_ms: float) -> float:
    position = state["position"]
    if state["is_playing"]:
        position += (wall_ms / 1000 - state["at"]) * state["rate"]
    if state.get("duration") is not None:
        position = min(position, state["duration"])
    return max(0.0, position)


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def analyse(recordings: list[list[dict]], seeks: list[int], settle_s: float = SETTLE_S) -> dict:
    """recordings: one list of samples per player; seeks: the versions of the leader's seeks/plays."""
    states = {}
    for samples in recordings:
        for s in samples:
            states[s["version"]] = s["state"]
    timeline = sorted(states.values(), key=lambda st: st["version"])

    def truth(wall_ms):
        current = None
        for st in timeline:
            if st["at"] * 1000 <= wall_ms:
                current = st
        return current

    steady, paused_errors, clock_errors, converge = [], [], [], []
    for samples in recordings:
        errors = []
        for s in samples:
            st = truth(s["wall"])
            if st is None or s["position"] is None:
                continue
            error = (s["position"] - expected(st, s["wall"])) * 1000
            errors.append((s["wall"], st, error))
            clock_errors.append(abs(s["clockError"]))
            settled = s["wall"] / 1000 - st["at"] >= settle_s
            if settled and st["is_playing"] and not s["seeking"]:
                steady.append(abs(error))
            elif settled and not st["is_playing"]:
                paused_errors.append(abs(error))
        for version in seeks:
            st = states.get(version)
            if st is None:
                continue
            start = st["at"] * 1000
            window = [(w, e) for w, s_, e in errors if s_["version"] == version and w >= start]
            converged_at = None
            for i, (w, e) in enumerate(window):
                if abs(e) >= CONVERGED_MS:
                    continue
                ahead = [e2 for w2, e2 in window[i:] if w2 <= w + CONVERGED_FOR_S * 1000]
                if ahead and window[-1][0] >= w + CONVERGED_FOR_S * 1000 and all(abs(e2) < CONVERGED_MS for e2 in ahead):
                    converged_at = w
                    break
            converge.append((converged_at - start) / 1000 if converged_at is not None else float("inf"))
    every = [s for samples in recordings for s in samples]
    return {
        "uncertainty_p95": percentile([s["uncertainty"] for s in every if s.get("uncertainty") is not None], 0.95),
        "unbounded_share": sum(not s.get("bounded", True) for s in every) / max(1, len(every)),
        "samples": len(steady),
        "p50": percentile(steady, 0.5), "p95": percentile(steady, 0.95), "max": max(steady) if steady else float("nan"),
        "paused_max": max(paused_errors) if paused_errors else float("nan"),
        "converge_p50": percentile(converge, 0.5), "converge_p95": percentile(converge, 0.95),
        "converge_max": max(converge) if converge else float("nan"),
        "converge_each": [round(c, 3) for c in converge],
        "clock_p50": percentile(clock_errors, 0.5), "clock_p95": percentile(clock_errors, 0.95),
    }


# -- the scenario ----------------------------------------------------------------------------------
def run_level(pages, base, code, overrides, jitter, proxy, seeks_per_level, rng, hold: float = 9, settle_s: float = SETTLE_S) -> dict:
    proxy.jitter_ms = jitter
    for page in pages:  # reconnect under this jitter: the clock burst is taken through it
        open_room(page, base, code, overrides)
    leader = pages[0]
    versions = []

    def command(message, hold):
        before = current_version(leader)
        leader_command(leader, message)
        wait_version_everywhere(pages, before + 1)
        versions.append(before + 1)
        time.sleep(hold)

    command({"type": "sync.seek", "position": 2.0}, 0.5)
    command({"type": "sync.play"}, hold)
    for _ in range(seeks_per_level):
        command({"type": "sync.seek", "position": round(rng.uniform(5, 70), 2)}, hold)
    command({"type": "sync.pause"}, min(3, hold))
    recordings = [page.evaluate("() => { const r = window.__bench; window.__bench = []; return r; }") for page in pages]
    plays_and_seeks = versions[1:-1]
    result = analyse(recordings, plays_and_seeks, settle_s)
    result["recordings"] = recordings  # kept in the raw file only
    result["lead_ms"] = [round(page.evaluate("window.WTRoom.corrector.leadMs")) for page in pages]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", type=int, default=4)
    parser.add_argument("--jitter", default="0,50,100", help="comma-separated max one-way delays (ms)")
    parser.add_argument("--seeks", type=int, default=4, help="seeks per jitter level")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="sync.js override, e.g. deadBandMs=20, clockMethod=min-rtt, clockSize=16")
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "wt-bench-sync.sqlite3"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="where to write the raw results (default: bench/out/sync_accuracy[-smoke].json)")
    parser.add_argument("--smoke", action="store_true",
                        help="a check that the bench still runs (2 players, no jitter, 1 seek, 3 s holds), not a measurement")
    args = parser.parse_args()
    hold, settle_s = 9.0, SETTLE_S
    if args.smoke:
        args.players, args.jitter, args.seeks, hold, settle_s = 2, "0", 1, 3.0, 1.5
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except ValueError:
            overrides[key] = value
    levels = [float(j) for j in args.jitter.split(",")]

    work = Path(tempfile.mkdtemp(prefix="wt-bench-"))
    make_video(work / "media" / "film.mp4", seconds=90, width=320, height=240)
    media = StaticServer({"/media/": work / "media"})
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{args.db}", "MEDIA_ROOT": str(work / "uploads"),
           "SITE_URL": f"http://127.0.0.1:{port}", "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
           "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}
    env.pop("REDIS_URL", None)
    print(f"preparing database {args.db} (the first run migrates: about a minute) …", flush=True)
    code, emails = prepare_database(env, args.players, f"{media.url}/media/film.mp4")
    daphne = start_daphne(env, port, work / "daphne.log")
    proxy = JitterProxy(port, seed=args.seed)
    base = f"http://127.0.0.1:{proxy.port}"
    rng = random.Random(args.seed)
    results: list[tuple[float, dict]] = []  # a level may repeat (--jitter 100,100)
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"])
            pages = []
            for i, email in enumerate(emails):
                # bypass_csp: the page's policy refuses eval, which Playwright's string predicates need
                context = browser.new_context(viewport={"width": 900, "height": 700}, bypass_csp=True)
                page = context.new_page()
                page.on("pageerror", lambda error, i=i: print(f"  player {i}: page error: {error}", flush=True))
                sign_in(page, base, email)
                pages.append(page)
                print(f"  player {i} signed in", flush=True)
            for jitter in levels:
                print(f"jitter 0–{jitter:g} ms: playing, {args.seeks} seeks, pause …", flush=True)
                results.append((jitter, run_level(pages, base, code, overrides, jitter, proxy, args.seeks, rng, hold, settle_s)))
            browser.close()
    finally:
        daphne.terminate()
        try:
            daphne.wait(10)
        except subprocess.TimeoutExpired:  # open sockets hold it up
            daphne.kill()
            daphne.wait(10)
        media.stop()

    print()
    print(f"Sync accuracy — {args.players} chromium players, 320x240 H.264+AAC, leader plays/seeks/pauses; "
          f"overrides {overrides or 'none (defaults)'}")
    print("error = player position − server's expected position at the same wall-clock instant, "
          f"after {settle_s:g} s settling; converged = within {CONVERGED_MS} ms for {CONVERGED_FOR_S:g} s")
    header = (f"{'jitter (ms)':>11} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | {'converge p50 s':>14} | {'converge p95 s':>14} | "
              f"{'converge max s':>14} | {'clock err p95 ms':>16} | {'paused max ms':>13} | samples")
    print(header)
    print("-" * len(header))
    for jitter, r in results:
        print(f"{'0–' + format(jitter, 'g'):>11} | {r['p50']:7.1f} | {r['p95']:7.1f} | {r['max']:7.1f} | {r['converge_p50']:14.2f} | "
              f"{r['converge_p95']:14.2f} | {r['converge_max']:14.2f} | {r['clock_p95']:16.1f} | {r['paused_max']:13.1f} | {r['samples']}")
    print()
    print("Peers (their published thresholds; none publishes a measured accuracy):")
    for name, rule, tolerance in PEERS:
        print(f"  {name:<18} tolerates up to ~{tolerance} ms before correcting ({rule})")
    print(f"  {'WatchTogether':<18} goal p95 < 10 ms with 0–100 ms jitter, converged < 0.5 s after every seek")
    out = Path(args.json) if args.json else BASE_DIR / "bench" / "out" / f"sync_accuracy{'-smoke' if args.smoke else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"overrides": overrides, "players": args.players, "smoke": args.smoke,
                               "results": [{"jitter_ms": j, **r} for j, r in results]}))
    print(f"raw numbers: {out}")


if __name__ == "__main__":
    main()
