"""Every bench under bench/ still runs: each one's --smoke mode (a tiny configuration) as a
subprocess, all started at once, each expected to print its figures. The figures themselves
are not checked (benchmarks are not pass/fail); a bench that no longer runs is.

chat_fanout and leaderboards need PostgreSQL and Redis (they create their own databases);
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
    "chat_fanout": (["--smoke"], [rf"^\s+5\s+ours \(b\) fanout\s+100\s+{NUMBER}",
                                  r"^\s+5\s+peer socket\.io\s+100\s+[0-9]|smoke: skipping the Socket\.io peer"], True),
    "leaderboards": (["--smoke"], [rf"^rank lookup \(Redis, ours\)\s+{NUMBER}", rf"^weekly reset \(s, best round\)\s+{NUMBER}"], True),
    "relay_capacity": (["--smoke"], [rf"^ramp 8\s+8\s+{NUMBER}\s+{NUMBER}"], False),
    "stage_invite": (["--smoke"], [rf"^invite: request -> prompt frame\s+{NUMBER}", rf"^ratio invite / round trip \(median\): {NUMBER}x"], True),
    "pyspy_summary": (["--smoke"], [r"^own time by component", r"^\s+60\.0%\s+channels"], False),
}


def test_every_bench_has_a_smoke_run():
    scripts = {path.stem for path in BENCH.glob("*.py")} - {"fanout_schema_settings"}  # (a settings module)
    assert scripts == set(BENCHES)


@pytest.fixture(scope="module")
def runs():
    """Start every smoke run at once (most of their time is waiting), keyed by bench name."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = {}
    for name, (arguments, _, needs_stack) in BENCHES.items():
        if needs_stack and not HAS_STACK:
            continue
        started[name] = subprocess.Popen([sys.executable, str(BENCH / f"{name}.py"), *arguments], cwd=BENCH.parent,
                                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield started
    for process in started.values():
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_smoke_run_prints_its_figures(runs, name):
    if name not in runs:
        pytest.skip("needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    process = runs[name]
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"bench/{name}.py --smoke took over {TIMEOUT_S} s:\n{output[-3000:]}")
    assert process.returncode == 0, f"bench/{name}.py --smoke failed:\n{output[-3000:]}"
    for pattern in BENCHES[name][1]:
        assert re.search(pattern, output, re.MULTILINE), f"no line matching {pattern!r} in:\n{output[-3000:]}"
