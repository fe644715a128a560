"""How Chromium's media clock answers play() and playback-rate changes: the two facts the
watch room's catch-up after a timed start rests on (static/js/sync.js catchUp, room.js
startOnTime / catchUpAfterStart).

One headless chromium page plays a locally served H.264 + AAC file (with audio, the media
clock is the audio clock, as for real films) and reads `currentTime` against
`performance.now()` every few ms:

- **Start latency**: pause, seek, wait, play(); when the position first moves, and when (by
  a fit 0.4–0.9 s later) it really started: the line it then runs on, back at the seek target.
- **Rate bursts**: while playing, rate 1 + n for a while, then 1 again; the shift of the
  position against the clock, measured against what the rate alone gives (n × hold). The
  difference is the position's step back at the two rate changes (rateStepMs, twice).

    .venv/bin/python bench/chromium_media_clock.py            # 10 starts, 4 repeats of each burst
    .venv/bin/python bench/chromium_media_clock.py --smoke    # does it still run? (~15 s)

No peer measures this; the figures are the browser's, not ours.
"""

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from tests.rooms.js.harness import CHROMIUM, CHROMIUM_ARGS, StaticServer, make_video  # noqa: E402

BURSTS = [(0.01, 200), (-0.01, 200), (0.05, 200), (-0.05, 200), (0.25, 200), (-0.25, 200), (0.25, 120), (-0.25, 60)]

SETUP = """async (url) => {
  const v = document.createElement("video");
  v.src = url; v.preload = "auto"; document.body.append(v);
  await new Promise((resolve) => v.addEventListener("loadedmetadata", resolve, { once: true }));
  window.v = v;
  window.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  window.landed = () => new Promise((resolve) => { const check = () => (!v.seeking && v.readyState >= 3 ? resolve() : setTimeout(check, 5)); check(); });
  // the position's offset to the clock (ms), the median over `ms`
  window.offset = async (ms) => {
    const readings = []; const end = performance.now() + ms;
    while (performance.now() < end) { readings.push(v.currentTime * 1000 - performance.now()); await sleep(10); }
    return readings.sort((a, b) => a - b)[readings.length >> 1];
  };
}"""

START = """async (position) => {
  v.pause(); v.playbackRate = 1; v.currentTime = position; await landed(); await sleep(150);
  const called = performance.now();
  v.play();
  let moved = null;
  while (performance.now() - called < 400) {
    if (moved === null && v.currentTime > position + 1e-4) moved = performance.now() - called;
    await sleep(2);
  }
  const line = await offset(500); // position·1000 − now, once it runs on its line
  return { moved, started: position * 1000 - line - called };
}"""

BURST = """async ([nudge, hold]) => {
  if (v.paused) { await v.play(); await sleep(800); }
  const before = await offset(300);
  const began = performance.now();
  v.playbackRate = 1 + nudge;
  await sleep(hold);
  const held = performance.now() - began;
  v.playbackRate = 1;
  await sleep(300);
  const after = await offset(300);
  return { expected: nudge * held, observed: after - before };
}"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=4, help="repeats of each burst")
    parser.add_argument("--json", help="where to write the raw results (default: bench/out/chromium_media_clock[-smoke].json)")
    parser.add_argument("--smoke", action="store_true", help="2 starts, 2 bursts once: a check that it still runs")
    args = parser.parse_args()
    bursts = BURSTS
    if args.smoke:
        args.starts, args.repeats, bursts = 2, 1, BURSTS[4:6]

    work = Path(tempfile.mkdtemp(prefix="wt-bench-clock-"))
    make_video(work / "media" / "film.mp4", seconds=60, width=320, height=240)
    media = StaticServer({"/media/": work / "media"})
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"])
            page = browser.new_page()
            page.goto(f"{media.url}/media/")
            page.evaluate(SETUP, f"{media.url}/media/film.mp4")
            starts = [page.evaluate(START, 5 + 3 * i) for i in range(args.starts)]
            shifts = {(nudge, hold): [page.evaluate(BURST, [nudge, hold]) for _ in range(args.repeats)] for nudge, hold in bursts}
            browser.close()
    finally:
        media.stop()

    started = [s["started"] for s in starts]
    moved = [s["moved"] for s in starts if s["moved"] is not None]
    print(f"Chromium's media clock — one headless page, 320x240 H.264+AAC; {args.starts} starts, {args.repeats}× each burst")
    print()
    print("play() → position on its line (ms): "
          f"median {statistics.median(started):.1f}, min {min(started):.1f}, max {max(started):.1f}; "
          f"first moves after median {statistics.median(moved):.1f} ms" if moved else "never moved")
    print()
    header = f"{'rate':>6} | {'hold ms':>7} | {'shift by the rate ms':>20} | {'observed (median) ms':>20} | {'step per change ms':>18}"
    print(header)
    print("-" * len(header))
    for (nudge, hold), results in shifts.items():
        expected = statistics.median(r["expected"] for r in results)
        observed = statistics.median(r["observed"] for r in results)  # one glitch (a stall) would swamp a mean
        print(f"{1 + nudge:6.2f} | {hold:7d} | {expected:20.1f} | {observed:20.1f} | {(observed - expected) / 2:18.1f}")
    steps = [(r["observed"] - r["expected"]) / 2 for results in shifts.values() for r in results]
    print()
    print(f"step per rate change: median {statistics.median(steps):.1f} ms (sync.js SYNC_DEFAULTS.rateStepMs starts from 9 ms back, then learns)")
    out = Path(args.json) if args.json else BASE_DIR / "bench" / "out" / f"chromium_media_clock{'-smoke' if args.smoke else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"starts": starts, "bursts": [{"rate": 1 + n, "hold_ms": h, "results": r} for (n, h), r in shifts.items()]}))
    print(f"raw numbers: {out}")


if __name__ == "__main__":
    main()
