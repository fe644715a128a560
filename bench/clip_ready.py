"""Clip ready: a 30 s clip from a live stream, from the click to a playable clip (issue 13: under 5 s).

A live-like HLS session is written with PyAV in the relay's layout (tests/vods/hls_session.py: 1 s fMP4
segments, H.264 + AAC, ``index.m3u8`` lagging a few segments behind ``live.m3u8``, as while live) into
the media storage of a stream that is live. Each round is what a viewer's click does on the site: the API
call (``POST /api/v1/streams/<id>/clips/``, the clip row, the task queued after commit; the Celery task
runs eagerly, in the request, as a worker would pick it up at once), then polling ``GET
/api/v1/clips/<slug>/`` until it says ``ready``. Printed beside it: the goal (5 s) and the floor, the bare
PyAV stream copy of the same 30 s (vods.clips.cutter.clip_cut on local files, no database, no storage).

    .venv/bin/python bench/clip_ready.py            # 720p30 session of 120 s, 10 rounds
    .venv/bin/python bench/clip_ready.py --smoke    # 320x240 session of 40 s, 3 rounds

The database is SQLite (``--db``, migrated on the first run, kept to start faster next time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
GOAL_S = 5.0
CLIP_SECONDS = 30


def prepare(db: str, media_root: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "MEDIA_ROOT": str(media_root),
           "CELERY_TASK_ALWAYS_EAGER": "true", "CELERY_BROKER_URL": "memory://"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    os.environ.clear()
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a small session and 3 rounds")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=120, help="length of the live session written")
    parser.add_argument("--size", default="1280x720")
    checkout = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:10]
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / f"wt-bench-clip-{checkout}.sqlite3"))
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.seconds, args.size = 3, 40, "320x240"
    width, height = (int(n) for n in args.size.split("x"))

    work = Path(tempfile.mkdtemp(prefix="wt-bench-clip-"))
    try:
        print(f"preparing database {args.db} (the first run migrates: about a minute) …", flush=True)
        prepare(args.db, work / "media")
        run(args, work, width, height)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path, width: int, height: int) -> None:
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.models import User
    from media_relay.models import HlsOutput, HlsSession
    from streams.models import Channel, Stream, StreamStatus
    from streams.selectors import relay_room_name
    from tests.vods.hls_session import write_session
    from vods.clips.cutter import clip_cut, session_timeline, timeline_end

    suffix = os.urandom(3).hex()
    host = User.objects.create_user(email=f"host-{suffix}@bench.example", handle=f"host{suffix}", password=None)
    viewer = User.objects.create_user(email=f"viewer-{suffix}@bench.example", handle=f"view{suffix}", password=None)
    channel = Channel.objects.create(owner=host, name="Bench", slug=f"bench-{suffix}")
    stream = Stream.objects.create(channel=channel, title="Bench live", status=StreamStatus.LIVE,
                                   started_at=timezone.now())
    relay_room = relay_room_name(stream.pk)
    directory = f"live/{relay_room}/bench-{suffix}"
    started = time.perf_counter()
    write_session(str(work / "media" / directory), seconds=args.seconds, size=(width, height))
    print(f"live session: {args.seconds} s of {width}x{height}p30 H.264 + AAC in 1 s segments, written in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    HlsSession.objects.create(output=HlsOutput.objects.create(relay_room=relay_room), name=f"bench-{suffix}",
                              directory=directory)

    client = APIClient(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    clicks, creates = [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        created = client.post(f"/api/v1/streams/{stream.pk}/clips/", {"seconds": CLIP_SECONDS}, format="json")
        assert created.status_code == 201, created.content[:300]
        creates.append(time.perf_counter() - t0)
        slug = created.json()["slug"]
        while (clip := client.get(f"/api/v1/clips/{slug}/").json())["status"] == "queued":
            time.sleep(0.01)
        assert clip["status"] == "ready", clip
        clicks.append(time.perf_counter() - t0)

    source = work / "media" / directory
    timeline = session_timeline((source / "index.m3u8").read_text(), (source / "live.m3u8").read_text())
    end = timeline_end(timeline)
    floors = []
    for n in range(args.rounds):
        out = work / f"floor-{n}"
        out.mkdir()
        t0 = time.perf_counter()
        clip_cut(read=lambda name: (source / name).read_bytes(), timeline=timeline, start=end - CLIP_SECONDS,
                 end=end, out_dir=str(out))
        floors.append(time.perf_counter() - t0)

    ours, floor = statistics.median(clicks), statistics.median(floors)
    print()
    print(f"{'figure':44} {'median s':>9} {'max s':>7}   ratio")
    print(f"{'clip ready (ours, click → ready)':44} {ours:9.3f} {max(clicks):7.3f}")
    print(f"{'  of which the API call (cut inside, eager)':44} {statistics.median(creates):9.3f} {max(creates):7.3f}")
    print(f"{'goal (issue 13)':44} {GOAL_S:9.3f} {'':>7}   ours/goal {ours / GOAL_S:.3f}x")
    print(f"{'floor (bare PyAV stream copy, local files)':44} {floor:9.3f} {max(floors):7.3f}   ours/floor {ours / floor:.2f}x")
    out_dir = BASE_DIR / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "clip_ready.json").write_text(json.dumps({
        "session_seconds": args.seconds, "size": f"{width}x{height}", "clip_seconds": CLIP_SECONDS,
        "click_to_ready_s": clicks, "api_call_s": creates, "floor_s": floors, "goal_s": GOAL_S}, indent=1))


if __name__ == "__main__":
    main()
