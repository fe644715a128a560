"""A small test-card video (MP4/H.264 or WebM/VP8, by suffix) made locally with PyAV, so demos and tests play without the internet.

Each second has its own colour and a moving bar, so two players out of sync are easy to see.
"""

from pathlib import Path

import av
from PIL import Image, ImageDraw


def write_demo_video(path: Path, *, seconds: int = 30, width: int = 320, height: int = 180, fps: int = 25) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    webm = path.suffix == ".webm"
    # faststart puts the MP4 index first, so a browser can start playing before the download ends.
    with av.open(str(path), mode="w", options={} if webm else {"movflags": "faststart"}) as container:
        stream = (
            container.add_stream("libvpx", rate=fps, options={"deadline": "realtime", "cpu-used": "8"})
            if webm
            else container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(seconds * fps):
            second, within = divmod(index, fps)
            image = Image.new("RGB", (width, height), ((second * 70) % 256, (second * 130 + 60) % 256, (second * 200 + 120) % 256))
            x = int(within / fps * (width - 16))
            ImageDraw.Draw(image).rectangle([x, 0, x + 15, height], fill=(255, 255, 255))
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
