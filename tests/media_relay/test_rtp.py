"""RTP rewriting and header parsing (no network)."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import HeaderExtensionsMap, RtpPacket

from media_relay.sfu import rtp
from media_relay.sfu.conf import RelayConfig
from media_relay.sfu.router import Consumer, Producer, Router
from media_relay.sfu.rtp import RawRtp, RtpRewriter

OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakePeer:
    hidden = False

    def __init__(self, peer_id: str) -> None:
        self.id = peer_id
        self.name = peer_id
        self.producers, self.consumers = {}, {}
        self.sent: list[dict] = []
        self.last_activity = 0.0
        self.media_seen = False

    def send(self, message):
        self.sent.append(message)

    def touch(self, now):
        self.last_activity, self.media_seen = now, True

    def is_moderator_muted(self, kind):
        return False

    def consumer_closed(self, consumer):
        pass

    def disconnect(self, code, reason):
        self.sent.append({"closed": code})

    async def close(self):
        pass


class FakeSink:
    """Records packets; ``write`` None exercises the awaited send path."""

    write = None

    def __init__(self) -> None:
        self.packets: list[bytes] = []

    async def send(self, data: bytes) -> None:
        self.packets.append(data)


def make_consumer(router, producer, *, ssrc: int, pt: int = 100, mid: str = "3", ext=None) -> Consumer:
    peer = FakePeer(f"sub-{ssrc}")
    consumer = router.add_consumer(Consumer(router=router, peer=peer, producer=producer, sink=FakeSink()))
    consumer.configure(
        payload_type=pt,
        rtx_payload_type=None,
        ssrc=ssrc,
        rtx_ssrc=0,
        header_extension_ids=ext if ext is not None else {rtp.URI_MID: 1, rtp.URI_AUDIO_LEVEL: 2},
        mid=mid,
    )
    router.activate_consumer(consumer)
    return consumer


def audio_packet(
    seq: int, ts: int, *, ssrc: int = 0xABCDEF, level=(True, 30), payload: bytes = b"\xfc" + b"x" * 60
) -> RtpPacket:
    packet = RtpPacket(payload_type=OPUS.payloadType, sequence_number=seq, timestamp=ts, ssrc=ssrc, payload=payload)
    packet.extensions.audio_level = level
    return packet


# ------------------------------------------------------------------ rewriter


def test_sequence_numbers_wrap_around_without_a_gap():
    r = RtpRewriter(clock_rate=48000, initial_seq=65530, initial_ts=0)
    out = [r.rewrite(seq, seq * 960, now=1.0)[0] for seq in range(1000, 1012)]
    assert out == [(65530 + i) & 0xFFFF for i in range(12)]
    assert out[5] == 65535 and out[6] == 0  # wrapped


def test_producer_wrap_maps_continuously():
    r = RtpRewriter(clock_rate=48000, initial_seq=10, initial_ts=0)
    seqs = [65533, 65534, 65535, 0, 1, 2]
    assert [r.rewrite(s, 0, now=1.0)[0] for s in seqs] == [10, 11, 12, 13, 14, 15]


def test_timestamp_offset_is_constant_and_wraps_mod_2_32():
    r = RtpRewriter(clock_rate=48000, initial_seq=0, initial_ts=0xFFFFFF00)
    first = r.rewrite(5, 1000, now=1.0)[1]
    second = r.rewrite(6, 1960, now=1.02)[1]
    third = r.rewrite(7, 2920, now=1.04)[1]
    assert first == 0xFFFFFF00
    assert second == (0xFFFFFF00 + 960) & 0xFFFFFFFF  # wrapped past 2**32
    assert rtp.ts_diff(third, second) == 960


def test_resync_after_pause_continues_numbering_and_advances_clock_by_wall_time():
    r = RtpRewriter(clock_rate=48000, initial_seq=100, initial_ts=5000)
    for i in range(5):
        r.rewrite(200 + i, 10_000 + 960 * i, now=1.0 + 0.02 * i)
    last_seq, last_ts = r.max_seq, r.last_ts
    r.resync()  # muted for ~2 s; the producer moved on by 100 packets
    seq, ts = r.rewrite(305, 10_000 + 960 * 105, now=1.08 + 2.0)
    assert seq == (last_seq + 1) & 0xFFFF  # no gap: the subscriber sees no loss
    assert rtp.ts_diff(ts, last_ts) == pytest.approx(48000 * 2.0, abs=2)


def test_packets_older_than_the_sync_point_are_dropped():
    r = RtpRewriter(clock_rate=48000, initial_seq=0, initial_ts=0)
    r.rewrite(500, 0, now=1.0)
    assert r.rewrite(499, 0, now=1.0) is None  # reordered from before this consumer started
    assert r.rewrite(501, 960, now=1.0) == (1, 960)


def test_late_packet_after_sync_point_keeps_its_place():
    r = RtpRewriter(clock_rate=48000, initial_seq=0, initial_ts=0)
    r.rewrite(500, 0, now=1.0)
    r.rewrite(502, 1920, now=1.0)
    assert r.rewrite(501, 960, now=1.0) == (1, 960)  # out of order, forwarded in place
    assert r.max_seq == 2


def test_reverse_maps_consumer_sequence_back():
    r = RtpRewriter(clock_rate=90000, initial_seq=65535, initial_ts=0)
    for s in (10, 11, 12):
        r.rewrite(s, 0, now=1.0)
    assert [r.reverse(x) for x in (65535, 0, 1)] == [10, 11, 12]
    assert r.reverse(2) is None  # not sent yet


# ------------------------------------------------------------------ consumers of one producer


@pytest.mark.asyncio
async def test_each_consumer_gets_its_own_ssrc_sequence_and_timestamp_space():
    clock = FakeClock()
    router = Router("r", config=RelayConfig(), clock=clock)
    publisher = FakePeer("pub")
    producer = router.add_producer(
        Producer(router=router, peer=publisher, kind="audio", codec=OPUS, rtx_payload_type=None)
    )
    a = make_consumer(router, producer, ssrc=0x11111111, pt=111, mid="0")
    b = make_consumer(router, producer, ssrc=0x22222222, pt=96, mid="7")
    for i in range(3):
        clock.now += 0.02
        await producer.on_rtp(audio_packet(40000 + i, 123456 + 960 * i), 0)
    for consumer, ssrc, pt in ((a, 0x11111111, 111), (b, 0x22222222, 96)):
        parsed = [RawRtp(p) for p in consumer.sink.packets]
        assert [p.ssrc for p in parsed] == [ssrc] * 3
        assert [p.payload_type for p in parsed] == [pt] * 3
        seqs = [p.seq for p in parsed]
        assert [rtp.seq_diff(s, seqs[0]) for s in seqs] == [0, 1, 2]
        assert [rtp.ts_diff(p.ts, parsed[0].ts) for p in parsed] == [0, 960, 1920]
        assert all(p.payload == b"\xfc" + b"x" * 60 for p in parsed)
    # independent random starting points: the two consumers' numbering differs
    assert (RawRtp(a.sink.packets[0]).seq, RawRtp(a.sink.packets[0]).ts) != (
        RawRtp(b.sink.packets[0]).seq,
        RawRtp(b.sink.packets[0]).ts,
    )


@pytest.mark.asyncio
async def test_fast_sinks_are_written_synchronously():
    class WritingSink(FakeSink):
        def write(self, data):
            self.packets.append(data)

        async def send(self, data):
            raise AssertionError("the awaited path must not be used when write() exists")

    router = Router("r", config=RelayConfig(), clock=FakeClock())
    producer = router.add_producer(
        Producer(router=router, peer=FakePeer("pub"), kind="audio", codec=OPUS, rtx_payload_type=None)
    )
    consumer = make_consumer(router, producer, ssrc=5)
    consumer.sink = WritingSink()
    await producer.on_rtp(audio_packet(1, 1), 0)
    assert len(consumer.sink.packets) == 1


@pytest.mark.asyncio
async def test_a_broken_subscriber_transport_never_reaches_the_publisher():
    class BrokenSink(FakeSink):
        def write(self, data):
            raise AttributeError("'NoneType' object has no attribute 'sendto'")  # a socket closed under us

    router = Router("r", config=RelayConfig(), clock=FakeClock())
    producer = router.add_producer(
        Producer(router=router, peer=FakePeer("pub"), kind="audio", codec=OPUS, rtx_payload_type=None)
    )
    broken = make_consumer(router, producer, ssrc=1)
    broken.sink = BrokenSink()
    healthy = make_consumer(router, producer, ssrc=2)
    await producer.on_rtp(audio_packet(1, 1), 0)  # must not raise into aiortc's receive loop
    await producer.on_rtp(audio_packet(2, 961), 0)
    assert broken.closed and not producer.closed
    assert len(healthy.sink.packets) == 2
    assert broken.peer.sent[-1]["reason"] == "transport_error"


@pytest.mark.asyncio
async def test_consumer_header_extensions_use_the_consumers_ids():
    clock = FakeClock()
    router = Router("r", config=RelayConfig(), clock=clock)
    producer = router.add_producer(
        Producer(router=router, peer=FakePeer("pub"), kind="audio", codec=OPUS, rtx_payload_type=None)
    )
    a = make_consumer(router, producer, ssrc=1, mid="4", ext={rtp.URI_MID: 9, rtp.URI_AUDIO_LEVEL: 5})
    await producer.on_rtp(audio_packet(1, 1, level=(True, 33)), 0)
    parsed = RawRtp(a.sink.packets[0])
    assert parsed.extensions == {9: b"4", 5: bytes([0x80 | 33])}
    # aiortc parses what we wrote with the same ids
    ext_map = HeaderExtensionsMap()
    ext_map.configure(
        SimpleNamespace(
            headerExtensions=[SimpleNamespace(id=9, uri=rtp.URI_MID), SimpleNamespace(id=5, uri=rtp.URI_AUDIO_LEVEL)]
        )
    )
    packet = RtpPacket.parse(a.sink.packets[0], ext_map)
    assert packet.extensions.mid == "4" and packet.extensions.audio_level == (True, 33)


@pytest.mark.asyncio
async def test_paused_producer_forwards_nothing_and_resumes_without_a_gap():
    clock = FakeClock()
    router = Router("r", config=RelayConfig(), clock=clock)
    producer = router.add_producer(
        Producer(router=router, peer=FakePeer("pub"), kind="audio", codec=OPUS, rtx_payload_type=None)
    )
    consumer = make_consumer(router, producer, ssrc=7)
    seq = 100
    for _ in range(3):
        clock.now += 0.02
        seq += 1
        await producer.on_rtp(audio_packet(seq, seq * 960), 0)
    router.set_producer_paused(producer, paused=True, by="moderator")
    for _ in range(50):
        clock.now += 0.02
        seq += 1
        await producer.on_rtp(audio_packet(seq, seq * 960), 0)
    assert len(consumer.sink.packets) == 3
    router.set_producer_paused(producer, paused=False, by="moderator")
    clock.now += 0.02
    seq += 1
    await producer.on_rtp(audio_packet(seq, seq * 960), 0)
    parsed = [RawRtp(p) for p in consumer.sink.packets]
    assert rtp.seq_diff(parsed[3].seq, parsed[2].seq) == 1
    assert rtp.ts_diff(parsed[3].ts, parsed[2].ts) == pytest.approx(48000 * 1.02, abs=2)


@pytest.mark.asyncio
async def test_unknown_payload_type_and_stray_ssrc_are_dropped():
    router = Router("r", config=RelayConfig(), clock=FakeClock())
    producer = router.add_producer(
        Producer(router=router, peer=FakePeer("pub"), kind="audio", codec=OPUS, rtx_payload_type=None)
    )
    consumer = make_consumer(router, producer, ssrc=7)
    await producer.on_rtp(audio_packet(1, 1), 0)
    bad = audio_packet(2, 2)
    bad.payload_type = 13
    await producer.on_rtp(bad, 0)
    await producer.on_rtp(audio_packet(3, 3, ssrc=999), 0)
    assert len(consumer.sink.packets) == 1


# ------------------------------------------------------------------ header parsing


def test_one_byte_extension_block_round_trip_and_padding():
    block = rtp.pack_one_byte_extensions([(1, b"12"), (2, b"\x85")])
    profile, words = struct.unpack("!HH", block[:4])
    assert profile == rtp.ONE_BYTE_PROFILE and words * 4 == len(block) - 4 == 8
    assert rtp.parse_extensions(profile, block[4:]) == {1: b"12", 2: b"\x85"}


def test_two_byte_extensions_parse():
    body = bytes([3, 2, 0xAA, 0xBB, 0, 7, 1, 0x42])
    assert rtp.parse_extensions(0x1000, body) == {3: b"\xaa\xbb", 7: b"\x42"}


def test_raw_rtp_rejects_truncated_packets():
    with pytest.raises(ValueError):
        RawRtp(b"\x80\x00")
    with pytest.raises(ValueError):
        RawRtp(bytes([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 5]))


@pytest.mark.parametrize(
    "payload,expected",
    [
        (bytes([0x10, 0x00]), True),  # S=1, PID=0, P=0 -> key frame
        (bytes([0x10, 0x01]), False),  # inter frame
        (bytes([0x00, 0x00]), False),  # not the start of a partition
        (bytes([0x90, 0x80, 0x81, 0x23, 0x00]), True),  # X, I with 15-bit picture id
        (bytes([0x90, 0xE0, 0x05, 0x11, 0x22, 0x01]), False),  # X, I(7-bit), L, T, inter frame
    ],
)
def test_vp8_keyframe_detection(payload, expected):
    assert rtp.is_vp8_keyframe_start(payload) is expected


@pytest.mark.parametrize(
    "payload,expected",
    [
        (bytes([0x65, 0x88]), True),  # IDR slice
        (bytes([0x67, 0x42]), True),  # SPS
        (bytes([0x41, 0x9A]), False),  # non-IDR slice
        (bytes([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE]), True),  # STAP-A with SPS
        (bytes([0x7C, 0x85, 0x00]), True),  # FU-A start of IDR
        (bytes([0x7C, 0x05, 0x00]), False),  # FU-A continuation
    ],
)
def test_h264_keyframe_detection(payload, expected):
    assert rtp.is_h264_keyframe_start(payload) is expected


def test_level_estimate_from_packet_size_orders_silence_below_speech():
    assert rtp.estimate_level_from_size(3) == rtp.SILENCE_LEVEL
    assert rtp.estimate_level_from_size(40) < rtp.estimate_level_from_size(15) < rtp.SILENCE_LEVEL
