"""NACK packet history, upstream loss tracking, and retransmission to a consumer."""

from __future__ import annotations

import pytest
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from media_relay.sfu import rtp
from media_relay.sfu.conf import RelayConfig
from media_relay.sfu.history import LossTracker, PacketHistory
from media_relay.sfu.router import Consumer, Producer, Router
from media_relay.sfu.rtp import RawRtp

from .test_rtp import FakeClock, FakePeer, FakeSink

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)


def test_history_returns_stored_packets_by_sequence_number():
    clock = FakeClock()
    history = PacketHistory(capacity=8, max_age=1.0, clock=clock)
    for seq in range(65530, 65536):
        history.add(seq, seq * 3000, 0, bytes([seq & 0xFF]))
    for seq in range(0, 2):  # wraps
        history.add(seq, seq, 1, b"w")
    assert history.get(65535).payload == b"\xff"
    assert history.get(1).marker == 1
    assert history.get(2) is None


def test_history_forgets_overwritten_and_old_packets():
    clock = FakeClock()
    history = PacketHistory(capacity=4, max_age=0.5, clock=clock)
    for seq in range(10):
        history.add(seq, 0, 0, b"x")
    assert history.get(5) is None  # slot reused by 9
    assert history.get(9) is not None
    clock.now += 0.6
    assert history.get(9) is None  # too old to be useful


def test_history_capacity_must_be_a_power_of_two():
    with pytest.raises(ValueError):
        PacketHistory(capacity=1000)


def test_loss_tracker_reports_each_hole_once_and_forgets_repaired_ones():
    tracker = LossTracker(window=16)
    assert tracker.add(100) == []
    assert tracker.add(101) == []
    assert tracker.add(104) == [102, 103]
    assert tracker.add(103) == []  # retransmission arrived
    assert tracker.missing == {102}
    assert tracker.add(105) == []


def test_loss_tracker_handles_wrap_and_ignores_restarts():
    tracker = LossTracker(window=16, max_gap=10)
    tracker.add(65534)
    assert tracker.add(1) == [65535, 0]
    assert tracker.add(5000) == []  # a jump this big is a new stream, not loss
    tracker.add(5001)
    assert all(s not in tracker.missing for s in (65535, 0))  # trimmed out of the window


def video_packet(seq: int, ts: int, payload: bytes) -> RtpPacket:
    return RtpPacket(payload_type=VP8.payloadType, sequence_number=seq, timestamp=ts, ssrc=42, payload=payload)


KEY = bytes([0x10, 0x00]) + b"key"
DELTA = bytes([0x10, 0x01]) + b"delta"
CONT = bytes([0x00]) + b"more"


def video_setup(*, rtx: bool):
    clock = FakeClock()
    router = Router("r", config=RelayConfig(), clock=clock)
    producer = router.add_producer(
        Producer(router=router, peer=FakePeer("pub"), kind="video", codec=VP8, rtx_payload_type=None)
    )
    consumer = router.add_consumer(Consumer(router=router, peer=FakePeer("sub"), producer=producer, sink=FakeSink()))
    consumer.configure(
        payload_type=120,
        rtx_payload_type=121 if rtx else None,
        ssrc=0x1234,
        rtx_ssrc=0x5678 if rtx else 0,
        header_extension_ids={rtp.URI_MID: 1, rtp.URI_ABS_SEND_TIME: 3},
        mid="0",
    )
    consumer.active = True
    producer.refresh_targets()
    return clock, router, producer, consumer


@pytest.mark.asyncio
async def test_video_consumer_starts_at_a_keyframe():
    clock, router, producer, consumer = video_setup(rtx=False)
    await producer.on_rtp(video_packet(10, 1000, DELTA), 0)
    await producer.on_rtp(video_packet(11, 1000, CONT), 0)
    assert consumer.sink.packets == []  # waiting for a keyframe
    await producer.on_rtp(video_packet(12, 4000, KEY), 0)
    await producer.on_rtp(video_packet(13, 4000, CONT), 0)
    parsed = [RawRtp(p) for p in consumer.sink.packets]
    assert [p.payload for p in parsed] == [KEY, CONT]
    assert rtp.seq_diff(parsed[1].seq, parsed[0].seq) == 1
    assert 3 in parsed[0].extensions and parsed[0].extensions[1] == b"0"


@pytest.mark.asyncio
@pytest.mark.parametrize("rtx", [True, False])
async def test_nack_is_answered_from_history(rtx):
    clock, router, producer, consumer = video_setup(rtx=rtx)
    for i, payload in enumerate([KEY, CONT, CONT, DELTA]):
        clock.now += 0.01
        await producer.on_rtp(video_packet(500 + i, 9000, payload), 0)
    sent = [RawRtp(p) for p in consumer.sink.packets]
    lost = sent[2]  # the subscriber did not get this one
    sent_before = len(consumer.sink.packets)
    await consumer.on_feedback("nack", [lost.seq, (lost.seq + 100) & 0xFFFF])
    assert consumer.retransmits == 1
    again = RawRtp(consumer.sink.packets[sent_before])
    if rtx:
        assert again.ssrc == 0x5678 and again.payload_type == 121
        osn, original = rtp.unwrap_rtx_payload(again.payload)
        assert osn == lost.seq and original == lost.payload
    else:
        assert (again.ssrc, again.payload_type, again.seq, again.payload) == (
            lost.ssrc,
            lost.payload_type,
            lost.seq,
            lost.payload,
        )
    assert again.ts == lost.ts


@pytest.mark.asyncio
async def test_keyframe_requests_are_throttled_per_producer():
    clock, router, producer, consumer = video_setup(rtx=False)
    sent = []

    async def fake_pli(receiver, ssrc):
        sent.append(ssrc)

    producer.receiver, producer.media_ssrc = object(), 42
    import media_relay.sfu.router as router_module

    original = router_module.hooks.send_pli
    router_module.hooks.send_pli = fake_pli
    try:
        for _ in range(20):  # a PLI storm from 20 subscribers
            await consumer.on_feedback("keyframe", [])
        clock.now += router.config.keyframe_request_interval + 0.01
        await consumer.on_feedback("keyframe", [])
    finally:
        router_module.hooks.send_pli = original
    assert sent == [42, 42]
