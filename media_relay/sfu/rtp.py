"""RTP header arithmetic for the relay: rewriting, header extensions, keyframes, RTX.

Pure functions and small classes on bytes and ints; no aiortc, no I/O, so they are
unit-tested directly (tests/media_relay/test_rtp.py).

Per consumer the relay rewrites three header fields of every forwarded packet:

* SSRC: the SSRC of the consumer's own RTCRtpSender (announced in the SDP offer the
  relay made to that subscriber), so each subscriber sees one stable stream per
  consumer whatever the publisher does;
* sequence number: ``producer_seq + seq_offset (mod 2**16)``; the offset is chosen at
  each sync point (first packet, resume after a pause) so the consumer's numbering
  continues without a gap: a pause is not reported as loss and never NACKed;
* timestamp: ``producer_ts + ts_offset (mod 2**32)``; at a sync point the offset makes
  the consumer's clock advance by the wall-clock time that passed since its last
  packet, so the subscriber's jitter buffer sees plausible timing.
"""

from __future__ import annotations

import struct
import time

SEQ_MOD = 1 << 16
TS_MOD = 1 << 32
HALF_SEQ = 1 << 15
HALF_TS = 1 << 31

RTP_HEADER = struct.Struct("!BBHII")
RTP_VERSION_BYTE = 0x80  # V=2, no padding, no extension, no CSRC
RTP_VERSION_BYTE_EXT = 0x90  # V=2, extension bit set
ONE_BYTE_PROFILE = 0xBEDE
TWO_BYTE_PROFILE_MASK = 0xFFF0
TWO_BYTE_PROFILE = 0x1000

URI_MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
URI_AUDIO_LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
URI_ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

SILENCE_LEVEL = 127  # ssrc-audio-level: 0 = 0 dBov (loudest) ... 127 = -127 dBov (silence)


def seq_diff(a: int, b: int) -> int:
    """Signed distance a - b between two 16-bit sequence numbers (-32768..32767)."""
    d = (a - b) & 0xFFFF
    return d - SEQ_MOD if d >= HALF_SEQ else d


def seq_is_newer(a: int, b: int) -> bool:
    """True when sequence number a comes after b (RFC 1982 serial arithmetic)."""
    return a != b and ((a - b) & 0xFFFF) < HALF_SEQ


def ts_diff(a: int, b: int) -> int:
    """Signed distance a - b between two 32-bit RTP timestamps."""
    d = (a - b) & 0xFFFFFFFF
    return d - TS_MOD if d >= HALF_TS else d


class RtpRewriter:
    """Maps one producer's (sequence number, timestamp) space onto one consumer's.

    ``rewrite`` returns the consumer's numbers for a producer packet, or None for a
    packet older than the current sync point (sent before a pause, or reordered
    across the start of the consumer): forwarding it would go backwards in time.
    ``resync`` makes the next packet a sync point. ``reverse`` maps a consumer
    sequence number back to the producer's (for NACKs).
    """

    __slots__ = (
        "clock_rate",
        "seq_offset",
        "ts_offset",
        "sync_seq",
        "needs_sync",
        "max_seq",
        "last_ts",
        "last_time",
        "started",
        "_clock",
    )

    def __init__(self, *, clock_rate: int, initial_seq: int, initial_ts: int, clock=time.monotonic) -> None:
        self.clock_rate = clock_rate
        self.seq_offset = 0
        self.ts_offset = 0
        self.sync_seq = 0
        self.needs_sync = True
        self.started = False
        # the consumer's highest sent sequence number and the timestamp/time sent with it
        self.max_seq = (initial_seq - 1) & 0xFFFF
        self.last_ts = initial_ts & 0xFFFFFFFF
        self.last_time = 0.0
        self._clock = clock

    def resync(self) -> None:
        self.needs_sync = True

    def _sync(self, seq: int, ts: int, now: float) -> None:
        next_seq = (self.max_seq + 1) & 0xFFFF
        if self.started:
            # advance the consumer's clock by the wall-clock time since its last packet
            # (at least one tick, so two frames never share a timestamp)
            elapsed = max(1, int((now - self.last_time) * self.clock_rate))
            next_ts = (self.last_ts + elapsed) & 0xFFFFFFFF
        else:
            next_ts = self.last_ts
        self.seq_offset = (next_seq - seq) & 0xFFFF
        self.ts_offset = (next_ts - ts) & 0xFFFFFFFF
        self.sync_seq = seq
        self.needs_sync = False
        self.started = True

    def rewrite(self, seq: int, ts: int, now: float | None = None) -> tuple[int, int] | None:
        if now is None:
            now = self._clock()
        if self.needs_sync:
            self._sync(seq, ts, now)
        elif ((seq - self.sync_seq) & 0xFFFF) >= HALF_SEQ:
            return None  # before the sync point
        out_seq = (seq + self.seq_offset) & 0xFFFF
        out_ts = (ts + self.ts_offset) & 0xFFFFFFFF
        if ((out_seq - self.max_seq) & 0xFFFF) < HALF_SEQ:
            self.max_seq = out_seq
            self.last_ts = out_ts
            self.last_time = now
        return out_seq, out_ts

    def reverse(self, out_seq: int) -> int | None:
        """The producer sequence number that was sent as consumer ``out_seq``, if it
        belongs to the current sync segment."""
        if not self.started:
            return None
        seq = (out_seq - self.seq_offset) & 0xFFFF
        if ((seq - self.sync_seq) & 0xFFFF) >= HALF_SEQ:
            return None
        if ((self.max_seq - out_seq) & 0xFFFF) >= HALF_SEQ:
            return None  # never sent yet
        return seq


def build_header(*, marker: int, payload_type: int, seq: int, ts: int, ssrc: int, extension: bool) -> bytes:
    return RTP_HEADER.pack(
        RTP_VERSION_BYTE_EXT if extension else RTP_VERSION_BYTE,
        (marker << 7) | payload_type,
        seq,
        ts,
        ssrc,
    )


def pack_one_byte_extensions(elements: list[tuple[int, bytes]]) -> bytes:
    """The header extension block (profile 0xBEDE, RFC 8285) for (id, value) pairs,
    padded to 32 bits; b"" when there is nothing to send."""
    if not elements:
        return b""
    body = bytearray()
    for ext_id, value in elements:
        if not 1 <= ext_id <= 14 or not 1 <= len(value) <= 16:
            raise ValueError(f"one-byte header extension id {ext_id} / length {len(value)} out of range")
        body.append((ext_id << 4) | (len(value) - 1))
        body += value
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("!HH", ONE_BYTE_PROFILE, len(body) // 4) + bytes(body)


def parse_extensions(profile: int, data: bytes) -> dict[int, bytes]:
    """Header extension elements by id (one-byte and two-byte forms, RFC 8285)."""
    out: dict[int, bytes] = {}
    pos, end = 0, len(data)
    if profile == ONE_BYTE_PROFILE:
        while pos < end:
            b = data[pos]
            pos += 1
            if b == 0:
                continue  # padding
            ext_id, length = b >> 4, (b & 0x0F) + 1
            if ext_id == 15:
                break
            if pos + length > end:
                raise ValueError("truncated one-byte header extension")
            out[ext_id] = data[pos : pos + length]
            pos += length
    elif (profile & TWO_BYTE_PROFILE_MASK) == TWO_BYTE_PROFILE:
        while pos + 1 < end:
            ext_id, length = data[pos], data[pos + 1]
            pos += 2
            if ext_id == 0:
                pos -= 1  # padding is a single zero byte
                continue
            if pos + length > end:
                raise ValueError("truncated two-byte header extension")
            out[ext_id] = data[pos : pos + length]
            pos += length
    return out


class RawRtp:
    """A minimal parse of an RTP packet from bytes (tests, bench, diagnostics)."""

    __slots__ = ("marker", "payload_type", "seq", "ts", "ssrc", "extensions", "payload")

    def __init__(self, data: bytes) -> None:
        if len(data) < 12:
            raise ValueError("RTP packet shorter than 12 bytes")
        b0, b1, self.seq, self.ts, self.ssrc = RTP_HEADER.unpack_from(data)
        if b0 >> 6 != 2:
            raise ValueError("not RTP version 2")
        self.marker = b1 >> 7
        self.payload_type = b1 & 0x7F
        pos = 12 + 4 * (b0 & 0x0F)
        self.extensions: dict[int, bytes] = {}
        if b0 & 0x10:
            if len(data) < pos + 4:
                raise ValueError("truncated RTP extension header")
            profile, words = struct.unpack_from("!HH", data, pos)
            pos += 4
            if len(data) < pos + 4 * words:
                raise ValueError("truncated RTP extension")
            self.extensions = parse_extensions(profile, data[pos : pos + 4 * words])
            pos += 4 * words
        end = len(data)
        if b0 & 0x20:
            pad = data[-1]
            if not pad or pad > end - pos:
                raise ValueError("bad RTP padding")
            end -= pad
        self.payload = data[pos:end]


def audio_level_byte(vad: bool, level: int) -> int:
    return (0x80 if vad else 0) | (level & 0x7F)


def abs_send_time(now: float | None = None) -> int:
    """abs-send-time (6.18 fixed point seconds, 24 bits)."""
    if now is None:
        now = time.time()
    return int(now * (1 << 18)) & 0xFFFFFF


class ConsumerHeaderWriter:
    """Builds the extension block a consumer sends, with the ids that consumer negotiated.

    Only the extensions the relay can fill honestly: mid (constant per consumer),
    ssrc-audio-level (copied from the publisher's packet), abs-send-time (the relay's
    own send time, for the subscriber's bandwidth estimator). Blocks are cached by
    their variable part, so the hot path is one dict lookup.
    """

    __slots__ = ("mid_element", "audio_level_id", "abs_send_time_id", "_cache")

    def __init__(self, *, ids_by_uri: dict[str, int], mid: str | None) -> None:
        mid_id = ids_by_uri.get(URI_MID)
        self.mid_element: tuple[int, bytes] | None = (
            (mid_id, mid.encode()) if mid_id and mid and 1 <= mid_id <= 14 and len(mid) <= 16 else None
        )
        level_id = ids_by_uri.get(URI_AUDIO_LEVEL)
        self.audio_level_id = level_id if level_id and 1 <= level_id <= 14 else None
        ast_id = ids_by_uri.get(URI_ABS_SEND_TIME)
        self.abs_send_time_id = ast_id if ast_id and 1 <= ast_id <= 14 else None
        self._cache: dict[int, bytes] = {}

    def audio(self, level_byte: int | None) -> bytes:
        """The block for an audio packet; level_byte None when the publisher sent none."""
        key = -1 if level_byte is None or self.audio_level_id is None else level_byte
        block = self._cache.get(key)
        if block is None:
            elements = [self.mid_element] if self.mid_element else []
            if key >= 0:
                elements.append((self.audio_level_id, bytes((key,))))
            block = self._cache[key] = pack_one_byte_extensions(elements)
        return block

    def video(self, send_time: int) -> bytes:
        elements = [self.mid_element] if self.mid_element else []
        if self.abs_send_time_id is not None:
            elements.append((self.abs_send_time_id, send_time.to_bytes(3, "big")))
        return pack_one_byte_extensions(elements)


def vp8_descriptor_length(payload: bytes) -> int | None:
    """Length of the VP8 payload descriptor (RFC 7741 4.2) at the start of an RTP payload; None if truncated."""
    n = len(payload)
    if n < 1:
        return None
    pos = 1
    if payload[0] & 0x80:  # X: extended control bits
        if n <= pos:
            return None
        x = payload[pos]
        pos += 1
        if x & 0x80:  # I: picture id
            if n <= pos:
                return None
            pos += 2 if payload[pos] & 0x80 else 1
        if x & 0x40:  # L: TL0PICIDX
            pos += 1
        if x & 0x30:  # T or K: TID/KEYIDX
            pos += 1
    return pos if pos <= n else None


def is_vp8_frame_start(payload: bytes) -> bool:
    """S bit set and partition index 0: the first packet of a frame."""
    return len(payload) > 0 and (payload[0] & 0x17) == 0x10


def is_vp8_keyframe_start(payload: bytes) -> bool:
    """True for the first packet of a VP8 key frame (RFC 7741 payload descriptor)."""
    if not is_vp8_frame_start(payload):
        return False
    pos = vp8_descriptor_length(payload)
    if pos is None or len(payload) <= pos:
        return False
    return (payload[pos] & 0x01) == 0  # inverse key frame flag of the VP8 payload header


H264_IDR, H264_SPS, H264_STAP_A, H264_FU_A = 5, 7, 24, 28


def is_h264_keyframe_start(payload: bytes) -> bool:
    """True for a packet that starts an H.264 IDR picture or carries an SPS (RFC 6184)."""
    if not payload:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type in (H264_IDR, H264_SPS):
        return True
    if nal_type == H264_STAP_A:
        pos = 1
        while pos + 2 < len(payload):
            size = (payload[pos] << 8) | payload[pos + 1]
            pos += 2
            if size == 0 or pos + size > len(payload):
                return False
            if payload[pos] & 0x1F in (H264_IDR, H264_SPS):
                return True
            pos += size
        return False
    if nal_type == H264_FU_A and len(payload) >= 2:
        fu_header = payload[1]
        return bool(fu_header & 0x80) and (fu_header & 0x1F) in (H264_IDR, H264_SPS)
    return False


def is_keyframe_start(codec_name: str, payload: bytes) -> bool:
    if codec_name == "VP8":
        return is_vp8_keyframe_start(payload)
    if codec_name == "H264":
        return is_h264_keyframe_start(payload)
    return False


def rtx_payload(original_seq: int, payload: bytes) -> bytes:
    """RTX payload (RFC 4588): original sequence number, then the original payload."""
    return original_seq.to_bytes(2, "big") + payload


def unwrap_rtx_payload(payload: bytes) -> tuple[int, bytes]:
    if len(payload) < 2:
        raise ValueError("RTX payload shorter than its original sequence number")
    return (payload[0] << 8) | payload[1], payload[2:]


def estimate_level_from_size(payload_len: int) -> int:
    """A rough ssrc-audio-level (0 loud .. 127 silent) from an Opus packet's size.

    Fallback for publishers that do not send the audio-level header extension: Opus
    spends few bytes on silence (DTX / comfort noise packets are a handful of bytes)
    and more on voice. This orders "silent" vs "talking" well enough for speaker
    detection; it is not a loudness measure.
    """
    if payload_len <= 10:
        return SILENCE_LEVEL
    if payload_len >= 120:
        return 20
    # 11..119 bytes -> level 90..20 (linear)
    return int(90 - (payload_len - 11) * 70 / 109)
