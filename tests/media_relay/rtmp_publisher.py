"""Publish over RTMP with PyAV's own ``flv`` muxer, as OBS's default output does (H.264 + AAC, real time):

    python -m tests.media_relay.rtmp_publisher URL SECONDS [WIDTHxHEIGHT] [--bframes]

A test pattern and a 440 Hz tone. Prints ``CONNECTING <time.monotonic()>`` just before connecting
(the clock is the system's, comparable across processes), ``PUBLISHED <frames>`` at the end; exits
with 1 and ``ERROR <message>`` when the server closes the connection (refused, dropped). Its own
process: PyAV holds the GIL while it writes the RTMP header, which would stall an ingest in the same one.
"""

from __future__ import annotations

import fractions
import sys
import time

import av

FPS, RATE = 30, 48000


def publish(url: str, seconds: float, width: int, height: int, bframes: bool) -> int:
    video = av.open(f"testsrc=size={width}x{height}:rate={FPS}", format="lavfi")
    audio = av.open(f"sine=frequency=440:sample_rate={RATE}", format="lavfi")
    print(f"CONNECTING {time.monotonic()}", flush=True)
    out = av.open(url, mode="w", format="flv")
    try:
        options = {"preset": "ultrafast", "g": str(FPS)}
        options |= {"bf": "2", "profile": "main"} if bframes else {"tune": "zerolatency", "profile": "baseline"}
        vs = out.add_stream("libx264", rate=FPS, options=options)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        aus = out.add_stream("aac", rate=RATE, layout="stereo")
        resample = av.AudioResampler(format="fltp", layout="stereo", rate=RATE, frame_size=1024)
        pictures, tone = video.decode(video=0), audio.decode(audio=0)
        start, frames, samples = time.monotonic(), 0, 0
        while time.monotonic() - start < seconds:
            frame = next(pictures).reformat(format="yuv420p")
            frame.pts, frame.time_base = frames, fractions.Fraction(1, FPS)
            for packet in vs.encode(frame):
                out.mux(packet)
            while samples < (frames + 1) * RATE // FPS:
                for chunk in resample.resample(next(tone)):
                    chunk.pts = samples
                    samples += chunk.samples
                    for packet in aus.encode(chunk):
                        out.mux(packet)
            frames += 1
            time.sleep(max(0.0, start + frames / FPS - time.monotonic()))
        return frames
    finally:
        out.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    width, height = map(int, (args[2] if len(args) > 2 else "640x360").split("x"))
    try:
        sent = publish(args[0], float(args[1]), width, height, "--bframes" in sys.argv)
    except (av.error.FFmpegError, OSError) as exc:
        print(f"ERROR {exc}", flush=True)
        sys.exit(1)
    print(f"PUBLISHED {sent}", flush=True)
