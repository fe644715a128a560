"""Recording egress (media_relay.recording): a room's Opus (+ VP8) into WebM by stream copy.

The relay runs in its own process with the codec audit (tests/media_relay/recording_process.py), records
room "tone" while an aiortc peer publishes a 440 Hz tone and a test pattern, and the test opens the
file with PyAV: the streams, the duration, and the decoded tone (decoded here, in the test process).
"""

from __future__ import annotations

import asyncio
import json
import signal

import av
import pytest

from media_relay.recording import Frame, OpusDepacketizer, Vp8Depacketizer, recording_hand_off, vp8_frame_size
from media_relay.rtp import RawRtp, build_header
from media_relay.tokens import issue_token

from .conftest import SECRET
from .peers import PatternTrack, RelayClient, ToneTrack, dominant_frequency, rms
from .test_relay_media import read_ready, spawn

RECORD_SECONDS = 3.0


def rtp(seq: int, ts: int, payload: bytes, *, marker: int = 0) -> RawRtp:
    return RawRtp(build_header(marker=marker, payload_type=96, seq=seq, ts=ts, ssrc=1, extension=False) + payload)


def test_vp8_frames_are_reassembled_on_the_marker_bit_without_their_descriptors():
    keyframe = b"\x10\x02\x00\x9d\x01\x2a" + (320).to_bytes(2, "little") + (180).to_bytes(2, "little")
    depacketizer = Vp8Depacketizer()
    # descriptor with X, I (15-bit picture id) on the first packet; a plain one-byte descriptor after
    assert depacketizer.push(rtp(1, 900, b"\x90\x80\x80\x01" + keyframe[:5])) is None
    frame = depacketizer.push(rtp(2, 900, b"\x00" + keyframe[5:] + b"tail", marker=1))
    assert frame == Frame(keyframe + b"tail", 900, keyframe=True)
    assert vp8_frame_size(frame.data) == (320, 180)
    # a lost middle packet drops that frame only
    assert depacketizer.push(rtp(3, 1800, b"\x10\x01")) is None
    assert depacketizer.push(rtp(5, 1800, b"\x00\x02", marker=1)) is None
    assert depacketizer.push(rtp(6, 2700, b"\x10\x01inter", marker=1)) == Frame(b"\x01inter", 2700, keyframe=False)


def test_an_opus_rtp_payload_is_the_frame():
    assert OpusDepacketizer().push(rtp(1, 960, b"\xfc\x01\x02")) == Frame(b"\xfc\x01\x02", 960, keyframe=True)


@pytest.mark.asyncio
async def test_a_recorded_room_is_a_webm_with_the_tone_and_the_relay_never_decodes_or_encodes(tmp_path):
    path = tmp_path / "tone.webm"
    relay = await spawn("-m", "tests.media_relay.recording_process", SECRET.decode(), str(path), "2")
    publisher = None
    try:
        port = await read_ready(relay)
        token = issue_token(secret=SECRET, room="tone", peer="alice", perms=["join", "publish_audio", "publish_video"])
        publisher = await RelayClient(f"ws://127.0.0.1:{port}/", token, name="alice").connect()
        assert (await publisher.join("tone"))["type"] == "joined"
        reply = await publisher.publish(ToneTrack(440), PatternTrack())
        assert [p["kind"] for p in reply["producers"]] == ["audio", "video"], reply
        await asyncio.sleep(RECORD_SECONDS)
    finally:
        if relay.returncode is None:
            relay.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(relay.communicate(), 30)
        if publisher is not None:
            await publisher.close()
    report = json.loads(out.decode().strip().splitlines()[-1])
    # no codec object was created in the relay process: nothing was decoded or encoded there
    assert report["audit"].get("created", 0) == 0, report
    assert report["recording"]["path"] == str(path)

    with av.open(str(path)) as container:
        assert container.format.name.startswith("matroska")  # PyAV names the WebM demuxer "matroska,webm"
        assert sorted(s.codec_context.name for s in container.streams) == ["opus", "vp8"]
        assert container.duration / 1e6 == pytest.approx(report["recording"]["seconds"], abs=0.5)
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (PatternTrack.WIDTH, PatternTrack.HEIGHT)
        mono = av.AudioResampler(format="s16", layout="mono", rate=48000)
        samples = bytearray()
        for frame in container.decode(audio=0):
            for out_frame in mono.resample(frame):
                samples += bytes(out_frame.planes[0])[: out_frame.samples * 2]
    from array import array

    tone = array("h", bytes(samples))[48000 // 4 :]
    assert len(tone) > 48000
    assert rms(tone) > 1000
    assert dominant_frequency(tone) == pytest.approx(440, abs=3)

    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) > RECORD_SECONDS * 10  # VP8 frames decode here


def test_the_hand_off_stores_the_file_under_recordings(tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path / "media")}}}
    source = tmp_path / "room-7.webm"
    source.write_bytes(b"webm bytes")
    name = recording_hand_off(room="room-7", path=str(source))
    assert name == "recordings/room-7/room-7.webm"
    assert (tmp_path / "media" / name).read_bytes() == b"webm bytes"
    assert not source.exists()
