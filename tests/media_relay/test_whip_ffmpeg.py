"""FFmpeg's own WHIP muxer (libavformat's ``whip``, the one in the pinned PyAV) publishes to the relay.

A WHIP client nobody on this project wrote, like OBS: H.264 (libx264, baseline) and Opus, 640x360 at
30 fps, for a few seconds, to the relay in its own process (tests/media_relay/relay_process.py, which
sets the DTLS groups as ``manage.py run_relay`` does: media_relay/sfu/dtls.py). A WHEP player decodes
what arrives. FFmpeg's DTLS certificate is on P-224: without the relay's groups, ICE completes and
DTLS fails (test_hooks.py checks the groups on their own).
"""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import pytest

from .conftest import eventually
from .peers import dominant_frequency, rms
from .test_whip import STREAM_KEY, Player, RelayProcess, apply_answer, player_token, post_offer

SECONDS = 3.0
WIDTH, HEIGHT, FPS = 640, 360, 30


def assert_tone_heard(samples, frequency: float = 440) -> None:
    """At least 0.4 s of the tone after the decoder's start-up (a short stream on a busy machine)."""
    samples = samples[48000 // 4 :]
    assert len(samples) >= 48000 * 2 // 5, len(samples)
    assert rms(samples) > 1000
    assert dominant_frequency(samples) == pytest.approx(frequency, abs=3)


def ffmpeg_whip_publish(url: str, key: str, seconds: float) -> int:
    """Publish a test pattern and a 440 Hz tone with FFmpeg's WHIP muxer in real time; returns the
    number of video frames sent. Raises av.error.FFmpegError when FFmpeg gives up (HTTP, ICE, DTLS)."""
    video = av.open(f"testsrc=size={WIDTH}x{HEIGHT}:rate={FPS}", format="lavfi")
    audio = av.open("sine=frequency=440:sample_rate=48000", format="lavfi")
    try:
        out = av.open(url, mode="w", format="whip", options={"authorization": key, "handshake_timeout": "10000"})
    except BaseException:
        video.close()
        audio.close()
        raise
    try:
        pictures, tone = video.decode(video=0), audio.decode(audio=0)
        vs = out.add_stream(
            "libx264", rate=FPS, options={"preset": "ultrafast", "tune": "zerolatency", "profile": "baseline", "g": "30"}
        )
        vs.width, vs.height, vs.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        aus = out.add_stream("libopus", rate=48000, layout="stereo")
        resample = av.AudioResampler(format="s16", layout="stereo", rate=48000)
        start, frames, samples = time.monotonic(), 0, 0
        while time.monotonic() - start < seconds:
            frame = next(pictures).reformat(format="yuv420p")
            frame.pts, frame.time_base = frames, fractions.Fraction(1, FPS)
            for packet in vs.encode(frame):
                out.mux(packet)
            while samples < (frames + 1) * 48000 // FPS:
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
        video.close()
        audio.close()


@pytest.mark.asyncio
async def test_ffmpegs_whip_muxer_publishes_and_a_whep_player_decodes_its_video_and_audio():
    relay = await RelayProcess().start()
    player = Player()
    try:
        played = await post_offer(f"{relay.http}/whep/tone", player.pc, player_token())
        assert played.status == 201
        await apply_answer(player.pc, played)

        publishing = asyncio.create_task(
            asyncio.to_thread(ffmpeg_whip_publish, f"{relay.http}/whip/tone", STREAM_KEY, SECONDS)
        )
        sent = await asyncio.wait_for(publishing, SECONDS + 15)  # fewer than 90 when the machine is busy

        # what FFmpeg sent, decoded by the player: its pictures and its tone
        await eventually(lambda: player.video_frames >= sent // 2, timeout=5)
        assert player.video_size == (WIDTH, HEIGHT)
        assert player.audio is not None
        assert_tone_heard(player.audio.samples)
    finally:
        await player.close()
        await relay.stop()


@pytest.mark.asyncio
async def test_ffmpegs_whip_muxer_with_a_wrong_key_is_refused_before_any_media():
    relay = await RelayProcess().start()
    try:
        with pytest.raises(av.error.FFmpegError):
            await asyncio.wait_for(
                asyncio.to_thread(ffmpeg_whip_publish, f"{relay.http}/whip/tone", "wtsk_wrong", 1.0), 10
            )
    finally:
        report = await relay.stop()
    assert report["forwarded"]["packets_in"] == 0
