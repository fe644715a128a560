"""HLS egress (media_relay.sfu.hls): a live relay room written as HLS into Django's default storage.

The relay runs in its own process (tests/media_relay/hls_process.py) with MEDIA_ROOT in tmp_path; an
aiortc peer publishes a 440 Hz tone and a test pattern (VP8: transcoded to H.264; H.264: stream-copied),
the test reads the live playlist while it is live, then stops the egress and checks the final one and
decodes every segment here with PyAV.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import signal
import time
from array import array
from datetime import datetime
from pathlib import Path

import av
import numpy as np
import pytest

from media_relay.sfu.hls import H264Depacketizer, MediaClock, Segment, muxer_segments, playlist_text
from media_relay.sfu.rtp import RawRtp, build_header
from media_relay.sfu.tokens import issue_token

from .conftest import SECRET
from .peers import PatternTrack, RelayClient, ToneTrack, dominant_frequency, rms
from .test_relay_media import read_ready, spawn

ROOM = "stream-7"
LIVE_SECONDS = 5.0


def rtp(seq: int, ts: int, payload: bytes, *, marker: int = 0) -> RawRtp:
    return RawRtp(build_header(marker=marker, payload_type=102, seq=seq, ts=ts, ssrc=1, extension=False) + payload)


def test_h264_access_units_are_rebuilt_from_single_nals_stap_a_and_fu_a():
    sps, pps, idr = b"\x67\x42\xc0\x1e", b"\x68\xce\x3c\x80", b"\x65" + bytes(range(40))
    stap = b"\x18" + len(sps).to_bytes(2, "big") + sps + len(pps).to_bytes(2, "big") + pps
    fu_start = b"\x7c" + bytes([0x80 | 5]) + idr[1:20]
    fu_end = b"\x7c" + bytes([0x40 | 5]) + idr[20:]
    depacketizer = H264Depacketizer()
    assert depacketizer.push(rtp(1, 3000, stap)) is None
    assert depacketizer.push(rtp(2, 3000, fu_start)) is None
    frame = depacketizer.push(rtp(3, 3000, fu_end, marker=1))
    start = b"\x00\x00\x00\x01"
    assert frame.data == start + sps + start + pps + start + idr and frame.keyframe and frame.timestamp == 3000
    # a lost fragment drops that access unit and is counted (the egress asks for a key frame)
    assert depacketizer.push(rtp(4, 6000, b"\x7c" + bytes([0x80 | 1]) + b"ab")) is None
    assert depacketizer.push(rtp(6, 6000, b"\x7c" + bytes([0x40 | 1]) + b"cd", marker=1)) is None
    assert depacketizer.lost == 1
    inter = depacketizer.push(rtp(7, 9000, b"\x41xyz", marker=1))
    assert inter.data == start + b"\x41xyz" and not inter.keyframe


def test_the_media_clock_unwraps_rtp_timestamps_from_the_first_arrival():
    clock = MediaClock(90000)
    assert clock.pts(2**32 - 3000, 0.5) == 45000
    assert clock.pts(3000, 0.6) == 45000 + 6000  # wrapped
    assert clock.pts(0, 0.7) == 45000 + 3000  # reordered: earlier


def test_playlists_carry_program_date_time_and_the_window():
    segments = [Segment(f"seg{n:05d}.m4s", 1.0, 1_800_000_000 + n) for n in range(3)]
    text = playlist_text(segments[1:], first_sequence=1, target=1.0, ended=True, event=False)
    assert "#EXT-X-MEDIA-SEQUENCE:1\n" in text and "#EXT-X-PLAYLIST-TYPE" not in text
    assert "#EXT-X-PROGRAM-DATE-TIME:2027-01-15T08:00:01.000Z\n#EXTINF:1.000,\nseg00001.m4s" in text
    assert text.endswith("#EXT-X-ENDLIST\n")
    assert muxer_segments(text) == [(1.0, "seg00001.m4s"), (1.0, "seg00002.m4s")]


def segments_of(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


async def wait_for_live(directory: Path, count: int, timeout: float = 20.0) -> tuple[Path, str]:
    """The session directory and its live playlist once it lists `count` segments."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for playlist in directory.glob(f"live/{ROOM}/*/live.m3u8"):
            text = playlist.read_text()
            if len(segments_of(text)) >= count:
                return playlist.parent, text
        await asyncio.sleep(0.1)
    raise AssertionError(f"no live playlist with {count} segments under {directory}")


def decode_session(session: Path, names: list[str]) -> tuple[dict, int, array]:
    """init.mp4 + every segment as one fragmented MP4, decoded here: codecs, video frames, mono audio."""
    data = (session / "init.mp4").read_bytes() + b"".join((session / name).read_bytes() for name in names)
    frames, samples = 0, bytearray()
    with av.open(io.BytesIO(data)) as container:
        codecs = {s.type: s.codec_context.name for s in container.streams}
        mono = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                frames += 1
            else:
                for out in mono.resample(frame):
                    samples += bytes(out.planes[0])[: out.samples * 2]
    return codecs, frames, array("h", bytes(samples))


@pytest.mark.asyncio
@pytest.mark.parametrize("codec", ["VP8", "H264"])
async def test_a_live_room_is_written_as_hls_to_storage_and_finalized_at_the_end(tmp_path, codec):
    relay = await spawn("-m", "tests.media_relay.hls_process", SECRET.decode(), ROOM,
                        env_extra={"MEDIA_ROOT": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"})
    client = None
    try:
        port = await read_ready(relay)
        token = issue_token(secret=SECRET, room=ROOM, peer="host", perms=["join", "publish_audio", "publish_video"])
        client = await RelayClient(f"ws://127.0.0.1:{port}/", token, name="host").connect()
        assert (await client.join(ROOM))["type"] == "joined"
        reply = await client.publish(ToneTrack(440), PatternTrack(), video_codec=codec)
        assert reply["type"] == "answer" and {p["codec"] for p in reply["producers"]} == {"audio/opus",
                                                                                          f"video/{codec}"}
        published = time.time()

        session, live = await wait_for_live(tmp_path, 2)
        assert "#EXT-X-ENDLIST" not in live and "#EXT-X-INDEPENDENT-SEGMENTS" in live
        dates = re.findall(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)", live)
        assert len(dates) == len(segments_of(live))
        first = datetime.fromisoformat(dates[0]).timestamp()
        assert published - 2 < first < time.time()  # the relay's wall clock at the segment's first frame
        for name in segments_of(live):  # a listed segment is already stored
            assert (session / name).stat().st_size > 0
        await asyncio.sleep(LIVE_SECONDS - (time.time() - published))
    finally:
        if relay.returncode is None:
            relay.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(relay.communicate(), 30)
        if client is not None:
            await client.close()

    report = json.loads(out.decode().strip().splitlines()[-1])
    assert [(e["op"], e["session"], e["tag"], e["room"]) for e in report["events"]] == [
        ("started", session.name, "1", ROOM), ("ended", session.name, "1", ROOM)]
    full = (session / "index.m3u8").read_text()
    assert full.rstrip().endswith("#EXT-X-ENDLIST") and "#EXT-X-PLAYLIST-TYPE:EVENT" in full
    assert (session / "live.m3u8").read_text().rstrip().endswith("#EXT-X-ENDLIST")
    names = segments_of(full)
    assert names[0] == "seg00000.m4s" and len(names) >= LIVE_SECONDS - 2
    assert sorted(p.name for p in session.glob("seg*.m4s")) == names  # every segment listed is stored
    durations = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+),", full)]
    assert max(durations[:-1]) < 2.5  # short segments: a key frame at least every ~segment (stream copy too)

    codecs, frames, tone = decode_session(session, names)
    assert codecs == {"video": "h264", "audio": "aac"}
    assert frames > sum(durations) * 10  # the pattern runs at ~30 fps
    assert rms(tone[48000 // 4:]) > 1000
    assert dominant_frequency(tone[48000 // 4:]) == pytest.approx(440, abs=3)
    # each segment starts with a key frame: decodable on its own after the init segment
    middle = names[len(names) // 2]
    codecs, frames, _ = decode_session(session, [middle])
    assert frames > 0


@pytest.mark.asyncio
async def test_a_publisher_coming_back_starts_a_new_session_and_the_previous_one_is_final(tmp_path):
    relay = await spawn("-m", "tests.media_relay.hls_process", SECRET.decode(), ROOM,
                        env_extra={"MEDIA_ROOT": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"})
    clients = []
    try:
        port = await read_ready(relay)

        async def join(name: str) -> RelayClient:
            token = issue_token(secret=SECRET, room=ROOM, peer=name, perms=["join", "publish_audio", "publish_video"])
            client = await RelayClient(f"ws://127.0.0.1:{port}/", token, name=name).connect()
            clients.append(client)
            assert (await client.join(ROOM))["type"] == "joined"
            return client

        await join("viewer")  # keeps the room hosted while the publisher is away
        first = await join("host")
        await first.publish(ToneTrack(440), PatternTrack(), video_codec="H264")
        first_session, _ = await wait_for_live(tmp_path, 1)
        await first.close()  # its producers close: the session ends
        second = await join("host-again")
        await second.publish(ToneTrack(440), PatternTrack(), video_codec="H264")
        deadline = time.monotonic() + 20
        while len(sessions := sorted(tmp_path.glob(f"live/{ROOM}/*/live.m3u8"))) < 2:
            assert time.monotonic() < deadline, "no second session"
            await asyncio.sleep(0.1)
    finally:
        if relay.returncode is None:
            relay.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(relay.communicate(), 30)
        for client in clients:
            await client.close()

    events = json.loads(out.decode().strip().splitlines()[-1])["events"]
    names = [path.parent.name for path in sessions]
    assert [(e["op"], e["session"]) for e in events] == [
        ("started", names[0]), ("ended", names[0]), ("started", names[1]), ("ended", names[1])]
    assert first_session.name == names[0]
    final = (first_session / "index.m3u8").read_text()
    assert final.rstrip().endswith("#EXT-X-ENDLIST")
    assert all((first_session / name).exists() for name in segments_of(final))


@pytest.mark.asyncio
async def test_a_session_whose_storage_failed_is_ended_and_a_new_one_follows(relay_harness):
    written, failures = [], []

    def write(*, room, tag, session, name, data):
        if not failures:
            failures.append(session)
            raise OSError("storage unavailable")
        written.append((session, name))

    relay_harness.relay.on_hls_write = write
    host = await relay_harness.client("host")
    await host.publish(ToneTrack(440))
    egress = relay_harness.relay.start_hls("room-1", tag="3")
    egress.retry_seconds = 0.5
    deadline = time.monotonic() + 15
    while not any(name.endswith(".m4s") for _, name in written):
        assert time.monotonic() < deadline, f"no new session after the failure: {egress.sessions}"
        await asyncio.sleep(0.1)
    assert len(egress.sessions) == 2 and failures == egress.sessions[:1]
    assert {session for session, _ in written} == {egress.sessions[1]}
    await relay_harness.relay.stop_hls("room-1")
    assert written[-1] == (egress.sessions[1], "index.m3u8")


@pytest.mark.asyncio
async def test_the_stage_voices_are_mixed_into_one_programme_with_a_voice_joining_later(relay_harness):
    files: dict[str, bytes] = {}

    def write(*, room, tag, session, name, data):
        files[name] = data

    relay_harness.relay.on_hls_write = write
    host = await relay_harness.client("host")
    await host.publish(ToneTrack(440), PatternTrack(), video_codec="H264")
    egress = relay_harness.relay.start_hls("room-1", tag="4")
    await asyncio.sleep(1.5)
    guest = await relay_harness.client("guest")  # a stage guest joins the running session
    await guest.publish(ToneTrack(1000))
    await asyncio.sleep(3.5)
    await relay_harness.relay.stop_hls("room-1")

    assert len(egress.sessions) == 1, "the guest's voice joins the session, it does not start another"
    names = segments_of(files["index.m3u8"].decode())
    data = files["init.mp4"] + b"".join(files[name] for name in names)
    mono = av.AudioResampler(format="s16", layout="mono", rate=48000)
    samples = bytearray()
    with av.open(io.BytesIO(data)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]  # one programme: one audio track
        for frame in container.decode(audio=0):
            for out in mono.resample(frame):
                samples += bytes(out.planes[0])[: out.samples * 2]
    tone = np.frombuffer(bytes(samples), dtype=np.int16).astype(float)
    assert loud_frequencies(tone[24000:60000]) == {440}  # the host alone
    assert loud_frequencies(tone[-2 * 48000:]) == {440, 1000}  # both voices, in one track


def loud_frequencies(samples: np.ndarray) -> set[int]:
    """The frequencies (to 10 Hz) holding at least a tenth of the strongest one's energy."""
    spectrum = np.abs(np.fft.rfft(samples))
    hz = np.fft.rfftfreq(len(samples), 1 / 48000)
    return {round(hz[i], -1) for i in np.flatnonzero(spectrum > spectrum.max() / 10)}
