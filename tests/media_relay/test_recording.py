"""Recording egress (media_relay.sfu.egress): a room's Opus (+ VP8) into WebM parts by stream copy.

The relay runs in its own process with the codec audit (tests/media_relay/recording_process.py), records
room "tone" while aiortc peers publish tones (and a test pattern), and the test opens the parts with
PyAV: the streams, the durations, and the decoded tones (decoded here, in the test process).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from array import array

import av
import pytest

from media_relay.models import RecordingPart
from media_relay.platform import recording_hand_off
from media_relay.sfu.egress import (
    Frame,
    OpusDepacketizer,
    PartFile,
    Vp8Depacketizer,
    vp8_frame_size,
)
from media_relay.sfu.rtp import RawRtp, build_header
from media_relay.sfu.tokens import issue_token
from tests.rooms.factories import RoomFactory

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


async def record(tmp_path, *, start_at_producers: int, scenario) -> dict:
    """Run the recording relay; ``scenario(publish)`` publishes with ``await publish(name, *tracks)``.
    Returns the recording report (parts, seconds) after checking the relay made no codec object."""
    relay = await spawn("-m", "tests.media_relay.recording_process", SECRET.decode(), str(tmp_path),
                        str(start_at_producers))
    clients = []
    try:
        port = await read_ready(relay)

        async def publish(name: str, *tracks) -> dict:
            token = issue_token(secret=SECRET, room="tone", peer=name, perms=["join", "publish_audio", "publish_video"])
            client = await RelayClient(f"ws://127.0.0.1:{port}/", token, name=name).connect()
            clients.append(client)
            assert (await client.join("tone"))["type"] == "joined"
            return await client.publish(*tracks)

        await scenario(publish)
    finally:
        if relay.returncode is None:
            relay.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(relay.communicate(), 30)
        for client in clients:
            await client.close()
    report = json.loads(out.decode().strip().splitlines()[-1])
    # no codec object was created in the relay process: nothing was decoded or encoded there
    assert report["audit"].get("created", 0) == 0, report
    return report["recording"]


def decoded_tones(path: str) -> list[array]:
    """Each audio track of a file decoded to mono 16-bit samples, its first quarter second dropped."""
    tones = []
    with av.open(path) as container:
        for index in range(len(container.streams.audio)):
            container.seek(0)
            mono = av.AudioResampler(format="s16", layout="mono", rate=48000)
            samples = bytearray()
            for frame in container.decode(audio=index):
                for out_frame in mono.resample(frame):
                    samples += bytes(out_frame.planes[0])[: out_frame.samples * 2]
            tones.append(array("h", bytes(samples))[48000 // 4 :])
    return tones


@pytest.mark.asyncio
async def test_a_recorded_room_is_a_webm_with_the_tone_and_the_relay_never_decodes_or_encodes(tmp_path):
    async def one_publisher(publish):
        reply = await publish("alice", ToneTrack(440), PatternTrack())
        assert [p["kind"] for p in reply["producers"]] == ["audio", "video"], reply
        await asyncio.sleep(RECORD_SECONDS)

    recording = await record(tmp_path, start_at_producers=2, scenario=one_publisher)

    [part] = recording["parts"]
    assert part["tag"] == "7" and part["tracks"] == ["audio", "video"]
    assert part["path"].startswith(str(tmp_path / "tone-rec7-1-")) and part["path"].endswith(".webm")
    assert part["duration"] == pytest.approx(recording["seconds"], abs=0.5)
    with av.open(part["path"]) as container:
        assert container.format.name.startswith("matroska")  # PyAV names the WebM demuxer "matroska,webm"
        assert sorted(s.codec_context.name for s in container.streams) == ["opus", "vp8"]
        assert container.duration / 1e6 == pytest.approx(part["duration"], abs=0.1)
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (PatternTrack.WIDTH, PatternTrack.HEIGHT)
    [tone] = decoded_tones(part["path"])
    assert len(tone) > 48000
    assert rms(tone) > 1000
    assert dominant_frequency(tone) == pytest.approx(440, abs=3)

    with av.open(part["path"]) as container:
        assert sum(1 for _ in container.decode(video=0)) > RECORD_SECONDS * 10  # VP8 frames decode here


@pytest.mark.asyncio
async def test_someone_who_starts_talking_mid_recording_is_in_a_new_part_with_everyone(tmp_path):
    timeline = {}

    async def second_voice_joins(publish):
        await publish("alice", ToneTrack(440))
        await asyncio.sleep(2.0)
        timeline["bob"] = time.time()
        await publish("bob", ToneTrack(660))
        await asyncio.sleep(2.5)

    recording = await record(tmp_path, start_at_producers=1, scenario=second_voice_joins)

    first, second = recording["parts"]
    assert first["tracks"] == ["audio"] and second["tracks"] == ["audio", "audio"]
    # the second part starts within a check interval (+ negotiation) of Bob's publishing; the first is
    # closed only after it started, so no packet is lost in between (its last frame is at most a few
    # 20 ms packets before the second part's start)
    assert timeline["bob"] < second["started_at"] < timeline["bob"] + 1.5
    assert first["started_at"] + first["duration"] > second["started_at"] - 0.1
    assert second["duration"] == pytest.approx(2.5 - (second["started_at"] - timeline["bob"]), abs=0.6)
    [alice] = decoded_tones(first["path"])
    assert dominant_frequency(alice) == pytest.approx(440, abs=3)
    tones = decoded_tones(second["path"])
    assert all(rms(tone) > 1000 for tone in tones)
    assert sorted(round(dominant_frequency(tone)) for tone in tones) == pytest.approx([440, 660], abs=3)


@pytest.mark.django_db
def test_the_hand_off_stores_the_part_and_records_it_on_its_recording(tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path / "media")}}}
    recording = RoomFactory().recordings.create()
    source = tmp_path / "room-7-rec1-1-ab12cd34.webm"
    source.write_bytes(b"webm bytes")
    part = PartFile(path=str(source), started_at=1_800_000_000.0, duration=12.5, size=10, tracks=("audio", "video"))

    name = recording_hand_off(room="room-7", tag=str(recording.pk), part=part)

    assert name == "recordings/room-7/room-7-rec1-1-ab12cd34.webm"
    assert (tmp_path / "media" / name).read_bytes() == b"webm bytes"
    assert not source.exists()
    row = RecordingPart.objects.get()
    assert (row.recording, row.file.name, row.duration, row.size, row.tracks) == (
        recording, name, 12.5, 10, ["audio", "video"])
    assert row.started_at.timestamp() == 1_800_000_000.0
