"""VOD processing (vods.renditions, vods.processing) against Debian's ffmpeg command line, in one run.

1. **Renditions + thumbnail** of a 720p30 recording (10 min; --smoke 8 s) as the relay writes it (H.264 +
   AAC-LC, fragmented MP4): ours (PyAV, one decode, 720p + 480p libx264 veryfast crf 23 capped, a key frame
   every 2 s, 6 s fMP4 HLS segments, the AAC copied, a JPEG thumbnail at 10 %) vs ``ffmpeg`` doing the same
   job with the same settings in one command (split + scale, the same x264 options, -c:a copy, hls muxer,
   one thumbnail frame). Goal: ours / ffmpeg <= 1.1.
2. **Audio only**: a podcast recording (60 min; --smoke 2 min) to its AAC rendition + waveform. Goal: >= 60x
   faster than real time.
3. **End of stream to playable VOD** for a 60-minute stream (--smoke 2 min) recorded as 1 s segments:
   ``stream_end`` -> the Vod -> our master and source playlists -> the first segment fetched and decoded.
   Goal: < 60 s. Uses a database of its own beside DATABASE_URL's (<name>_bench_vod, migrated once and
   kept; what it writes is deleted at the end).

The inputs are made once per size under /tmp (one minute encoded by ffmpeg from lavfi, looped with -c copy).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = Path(tempfile.gettempdir()) / "wt-bench-vod"
FFMPEG = shutil.which("ffmpeg")


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_recording(seconds: int, *, video: bool) -> Path:
    """A fragmented MP4 like a downloaded HLS session: H.264 720p30 (1 s GOP) + AAC-LC 128k, or AAC only."""
    kind = "720p" if video else "audio"
    path = CACHE / f"{kind}-{seconds}.mp4"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    unit = min(seconds, 60)
    one = CACHE / f"{kind}-unit-{unit}.mp4"
    if not one.exists():
        inputs = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={unit}"]
        codecs = ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
        if video:
            inputs = ["-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={unit}"] + inputs
            codecs = ["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-pix_fmt", "yuv420p"] + codecs
        run([FFMPEG, "-y", *inputs, *codecs, "-t", str(unit), str(one)])
    loops = seconds // unit - 1
    run([FFMPEG, "-y", "-stream_loop", str(loops), "-i", str(one), "-c", "copy",
         "-movflags", "frag_keyframe+empty_moov+default_base_moof", str(path)])
    return path


def ffmpeg_renditions(source: Path, out: Path, *, duration: float) -> None:
    """The same job as vods.renditions for a 720p source, as one ffmpeg command."""
    from vods.renditions import KEYFRAME_SECONDS, SEGMENT_SECONDS, THUMBNAIL_AT, THUMBNAIL_WIDTH, X264, ladder

    rungs = ladder(720)
    labels = "".join(f"[s{i}]" for i in range(len(rungs)))
    graph = [f"[0:v]split={len(rungs) + 1}[t]{labels}",
             f"[t]select='gte(t,{duration * THUMBNAIL_AT})',scale={THUMBNAIL_WIDTH}:-2[th]"]
    outputs = ["-map", "[th]", "-frames:v", "1", "-q:v", "3", str(out / "thumbnail.jpg")]
    for i, rung in enumerate(rungs):
        width = round(1280 * rung.height / 720 / 2) * 2
        graph.append(f"[s{i}]scale={width}:{rung.height}:flags=bicubic[v{i}]")
        directory = out / rung.name
        directory.mkdir(parents=True)
        outputs += ["-map", f"[v{i}]", "-map", "0:a", "-c:v", "libx264", "-preset", X264["preset"], "-crf", X264["crf"],
                    "-profile:v", X264["profile"], "-maxrate", f"{rung.bitrate // 1000}k",
                    "-bufsize", f"{2 * rung.bitrate // 1000}k", "-pix_fmt", "yuv420p",
                    "-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})", "-c:a", "copy",
                    "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
                    "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
                    "-hls_flags", "independent_segments", "-hls_segment_filename", str(directory / "seg%05d.m4s"),
                    str(directory / "index.m3u8")]
    run([FFMPEG, "-y", "-i", str(source), "-filter_complex", ";".join(graph), *outputs])


def timed(call) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process's threads and its children): on a shared machine the CPU time
    is the steadier figure, the wall time depends on the share the scheduler gives."""
    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    start, start_cpu = time.perf_counter(), cpu()
    call()
    return time.perf_counter() - start, cpu() - start_cpu


def x264_options(directory: Path) -> str:
    """The settings libx264 wrote into the 720p rendition's first segment (its SEI), to check both sides match."""
    data = (directory / "720p" / "seg00000.m4s").read_bytes()
    start = data.index(b"options: ") + len(b"options: ")
    return data[start:data.index(b"\x00", start)].decode()


def bench_renditions(seconds: int, repeat: int) -> None:
    """ours and ffmpeg alternately, `repeat` times each; the fastest of each (the least disturbed by the load)."""
    from vods.renditions import renditions_build

    source = make_recording(seconds, video=True)
    runs: dict[str, list[tuple[float, float]]] = {"ours": [], "ffmpeg": []}
    loads = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as ours_dir, tempfile.TemporaryDirectory() as peer_dir:
            loads.append(os.getloadavg()[0])
            runs["ours"].append(timed(lambda: renditions_build([str(source)], ours_dir, duration=float(seconds))))
            loads.append(os.getloadavg()[0])
            runs["ffmpeg"].append(timed(lambda: ffmpeg_renditions(source, Path(peer_dir), duration=float(seconds))))
            loads.append(os.getloadavg()[0])
            settings = {name: x264_options(Path(d)) for name, d in (("ours", ours_dir), ("ffmpeg", peer_dir))}
            sizes = {name: sum(f.stat().st_size for f in (Path(d) / "720p").iterdir()) for name, d in
                     (("ours", ours_dir), ("ffmpeg", peer_dir))}
    ours, peer = min(runs["ours"]), min(runs["ffmpeg"])
    print(f"renditions + thumbnail, {seconds} s of 720p30 (720p + 480p), best of {repeat}, "
          f"load average {min(loads):.1f}-{max(loads):.1f}")
    print(f"{'':24}{'wall s':>10}{'x real time':>13}{'CPU s':>10}{'720p MB':>10}")
    for name, label, (wall, cpu) in (("ours", "ours (PyAV)", ours), ("ffmpeg", "ffmpeg command line", peer)):
        print(f"{label:24}{wall:>10.2f}{seconds / wall:>13.1f}{cpu:>10.2f}{sizes[name] / 1e6:>10.2f}")
    print(f"ratio ours / ffmpeg: {ours[0] / peer[0]:.2f}x wall, {ours[1] / peer[1]:.2f}x CPU (goal <= 1.1x)")
    same = settings["ours"] == settings["ffmpeg"]
    print("x264 settings: " + ("identical" if same else f"DIFFER\n  ours:   {settings['ours']}\n  ffmpeg: {settings['ffmpeg']}"))


def bench_audio(seconds: int) -> None:
    from vods.renditions import renditions_build

    source = make_recording(seconds, video=False)
    with tempfile.TemporaryDirectory() as out:
        took, _ = timed(lambda: renditions_build([str(source)], out, duration=float(seconds)))
    print(f"audio only, {seconds / 60:.0f} min podcast -> AAC rendition + waveform: {took:.2f} s, "
          f"{seconds / took:.0f}x real time (goal >= 60x)")


def bench_end_to_playable(seconds: int) -> None:
    """A stream recorded as `seconds` 1 s segments in local storage; stream end -> first segment decoded."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_bench_vod"  # never a test run's
    connection.creation.create_test_db(verbosity=0, keepdb=True)
    media = Path(tempfile.mkdtemp(prefix="wt-bench-vod-media-"))
    settings.MEDIA_ROOT = str(media)
    settings.STREAMS_RECORD = True
    from unittest import mock

    import av

    from accounts.models import User
    from media_relay.hls_output import hls_output_on, hls_session_record, session_directory
    from media_relay.models import HlsOutput
    from streams.models import Channel
    from streams.selectors import relay_room_name
    from streams.services import stream_end, stream_go_live

    source = make_recording(min(seconds, 60), video=True)
    owner = None
    try:
        with mock.patch("streams.tasks.notify_followers_live.delay"), mock.patch("vods.tasks.process_vod.apply_async"):
            tag = f"{time.time_ns() % 10**12}"
            owner = User.objects.create_user(handle=f"bench{tag}", email=f"bench{tag}@example.com", password="x")
            channel = Channel.objects.create(owner=owner, name="Bench", slug=f"bench-{tag}")
            stream = stream_go_live(actor=owner, channel=channel, title="An hour")
            room = relay_room_name(stream.pk)
            session = hls_session_record(output_id=hls_output_on(relay_room=room).pk, relay_room=room,
                                         session="bench", op="started")
            directory = media / session_directory(relay_room=room, session="bench")
            directory.mkdir(parents=True)
            run([FFMPEG, "-y", "-stream_loop", str(max(0, seconds // 60 - 1)), "-i", str(source), "-c", "copy",
                 "-f", "hls", "-hls_time", "1", "-hls_list_size", "0", "-hls_segment_type", "fmp4",
                 "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", str(directory / "seg%05d.m4s"),
                 str(directory / "index.m3u8")])
            hls_session_record(output_id=session.output_id, relay_room=room, session="bench", op="ended")
            client = Client()

            start = time.perf_counter()
            stream_end(actor=owner, stream=stream)  # autocommit: the VOD's row is committed here
            vod = stream.__class__.objects.get(pk=stream.pk).vod
            master = client.get(f"/v/{vod.pk}/master.m3u8").content.decode()
            source_url = next(line for line in master.splitlines() if line.startswith("/v/"))
            playlist = client.get(source_url).content.decode()
            urls = [line for line in playlist.splitlines() if line and not line.startswith("#")]
            init = playlist.split('URI="', 1)[1].split('"', 1)[0]

            def read(url: str) -> bytes:
                return (media / url.removeprefix(settings.MEDIA_URL)).read_bytes()

            with av.open(io.BytesIO(read(init) + read(urls[0]))) as container:
                frames = sum(1 for _ in container.decode(video=0))
            took = time.perf_counter() - start
        assert frames > 0 and len(urls) >= seconds * 0.95, (frames, len(urls))
        print(f"end of stream -> playable VOD, {seconds / 60:.0f} min stream ({len(urls)} segments): "
              f"{took * 1000:.0f} ms (goal < 60 s)")
    finally:
        if owner is not None:
            HlsOutput.objects.filter(relay_room=relay_room_name(stream.pk)).delete()
            owner.delete()  # its channel, stream and VOD
        shutil.rmtree(media, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="8 s of video, a 2 min podcast, a 2 min stream")
    parser.add_argument("--video-seconds", type=int, default=600, help="the 720p recording's length (a multiple of 60)")
    parser.add_argument("--repeat", type=int, default=1, help="renditions: ours and ffmpeg alternately, N times each")
    args = parser.parse_args()
    if FFMPEG is None:  # it makes the inputs too
        print("ffmpeg: not installed, skipped (apt-get install -y ffmpeg)")
        return
    video, audio, stream = (8, 120, 120) if args.smoke else (args.video_seconds, 3600, 3600)
    bench_renditions(video, args.repeat)
    bench_audio(audio)
    bench_end_to_playable(stream)


if __name__ == "__main__":
    main()
