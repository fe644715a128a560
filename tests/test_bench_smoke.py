"""Every bench under bench/ still runs: each one's --smoke mode (a tiny configuration) as a
subprocess, one at a time per test worker, each expected to print its figures. The figures themselves
are not checked (benchmarks are not pass/fail); a bench that no longer runs is.

chat_fanout, viewer_storm, leaderboards and next_ad need PostgreSQL and Redis (they create their own databases);
chat_fanout runs its Socket.io peer only where `npm ci` was run in bench/socketio.
"""

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BENCH = Path(__file__).resolve().parents[1] / "bench"
TIMEOUT_S = 420  # the first run creates and migrates the benches' databases; later ones take well under a minute
NUMBER = r"[0-9][0-9.,]*"
HAS_STACK = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and bool(settings.REDIS_URL)
# A SQLite file per checkout: another branch's migrations never meet this one's.
SYNC_DB = Path("/tmp") / f"wt-bench-sync-smoke-{hashlib.sha1(str(BENCH).encode()).hexdigest()[:10]}.sqlite3"

# name: (arguments, patterns the output must match, needs PostgreSQL and Redis)
BENCHES = {
    "sync_accuracy": (["--smoke", "--db", str(SYNC_DB)], [rf"^\s*0–0 \|\s+{NUMBER} \|\s+{NUMBER} \|"], False),
    "chromium_media_clock": (["--smoke"], [rf"^\s+1\.25 \|\s+200 \|\s+{NUMBER} \|", rf"^step per rate change: median -?{NUMBER} ms"], False),
    "chat_fanout": (["--smoke"], [rf"^\s+5\s+ours \(b\) fanout\s+100\s+{NUMBER}",
                                  r"^\s+5\s+peer socket\.io\s+100\s+[0-9]|smoke: skipping the Socket\.io peer"], True),
    "viewer_storm": (["--smoke"], [rf"^storm ours\s+20\s+{NUMBER}", rf"^\s+20\s+ours fanout 2 daphne\s+20\s+{NUMBER}",
                                   r"^storm peer\s+20\s+[0-9]|smoke: skipping the Socket\.io peer"], True),
    "leaderboards": (["--smoke"], [rf"^rank lookup \(Redis, ours\)\s+{NUMBER}", rf"^weekly reset \(s, best round\)\s+{NUMBER}"], True),
    "next_ad": (["--smoke"], [rf"^bare indexed query \(floor\)\s+{NUMBER}\s+{NUMBER}",
                              rf"^ours: served \(ad_next, view row written\)\s+{NUMBER}\s+{NUMBER}"], True),
    "relay_capacity": (["--smoke"], [rf"^ramp 8\s+8\s+{NUMBER}\s+{NUMBER}"], False),
    "relay_video_capacity": (["--smoke"], [rf"^ours\s+2\s+{NUMBER}\s+{NUMBER}",
                                           r"^janus\s+2\s+[0-9]|janus: not installed, skipped",
                                           rf"^video viewers per core at 80% CPU: ours (?:{NUMBER}|nan)"], False),  # nan: no step under 1 % loss
    "relay_cascade": (["--smoke"], [rf"^pipe added latency .* p95 -?{NUMBER} ms",
                                    rf"^pipe CPU on the origin, timed inside it: {NUMBER}% of a core"], False),
    "stage_invite": (["--smoke"], [rf"^invite on the host's socket -> prompt\s+{NUMBER}",
                                   rf"^ratio invite on the host's socket / round trip \(median\): {NUMBER}x",
                                   rf"^ratio invite over HTTP / round trip \(median\): {NUMBER}x"], True),
    "dm_delivery": (["--smoke"], [rf"^message: send -> frame on recipient socket\s+{NUMBER}\s+{NUMBER}",
                                  rf"^unread counts \(one query\)\s+{NUMBER}\s+{NUMBER}"], True),
    "pyspy_summary": (["--smoke"], [r"^own time by component", r"^\s+60\.0%\s+channels"], False),
    "hls_latency": (["--smoke"], [rf"^floor \(PyAV → hls muxer\)\s+{NUMBER}\s+{NUMBER}",
                                  rf"^ours h264 \(copy\)\s+{NUMBER}\s+{NUMBER}"], False),
    "automod": (["--smoke"], [rf"^chat send, AutoMod\s+{NUMBER}", rf"^naive / ours \(term matching\): {NUMBER}x"], True),
    "ban_propagation": (["--smoke"], [rf"^action -> both sockets closed \(4451\)\s+{NUMBER}\s+{NUMBER}",
                                      rf"^action -> relay told to drop \(rights\)\s+{NUMBER}"], True),
    "webhooks": (["--smoke"], [rf"^ours \(signature, dedup, effect\)\s+{NUMBER}", rf"^dj-stripe ProcessWebhookView\s+{NUMBER}"],
                 True),
    "clip_ready": (["--smoke"], [rf"^clip ready \(ours, click → ready\)\s+{NUMBER}\s+{NUMBER}",
                                 rf"^floor \(bare PyAV stream copy, local files\)\s+{NUMBER}\s+{NUMBER}\s+ours/floor {NUMBER}x"],
                   False),
    "vod_renditions": (["--smoke"], [rf"^ratio ours / ffmpeg: {NUMBER}x|^ffmpeg: not installed",
                                     rf"^audio only, .* {NUMBER}x real time|^ffmpeg: not installed",
                                     rf"^end of stream -> playable VOD.*: {NUMBER} ms|^ffmpeg: not installed"], False),
    "rtmp_ingest": (["--smoke"], [rf"^passed through \(baseline\)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}"], False),
    "api_reads": (["--smoke"], [rf"^floor \(empty Django view\)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+1\.00x",
                                rf"^hallway /api/v1/rooms/\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}x\s+{NUMBER}x\s+[0-9]+"], True),
}


def test_every_bench_has_a_smoke_run():
    # (a settings module and the ASGI applications viewer_storm and api_reads serve)
    scripts = {path.stem for path in BENCH.glob("*.py")} - {"fanout_schema_settings", "viewer_asgi", "api_reads_asgi"}
    assert scripts == set(BENCHES)


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_smoke_run_prints_its_figures(name):
    # One at a time per test worker: started all at once (on every xdist worker) the media benches
    # starved each other of the machine's two cores and timed out.
    arguments, patterns, needs_stack = BENCHES[name]
    if needs_stack and not HAS_STACK:
        pytest.skip("needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    process = subprocess.Popen([sys.executable, str(BENCH / f"{name}.py"), *arguments], cwd=BENCH.parent,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"bench/{name}.py --smoke took over {TIMEOUT_S} s:\n{output[-3000:]}")
    assert process.returncode == 0, f"bench/{name}.py --smoke failed:\n{output[-3000:]}"
    for pattern in patterns:
        assert re.search(pattern, output, re.MULTILINE), f"no line matching {pattern!r} in:\n{output[-3000:]}"
