"""Packet history for answering NACKs, and loss tracking towards publishers (video only).

aiortc keeps a 128-packet history inside each RTCRtpSender, but the relay never sends
through that path, so it keeps its own: one ring per video producer, indexed by the
producer's sequence number. A subscriber's NACK names the consumer's sequence numbers;
the consumer maps them back (RtpRewriter.reverse) and re-sends from this ring with its
own rewriting (as RTX when the subscriber negotiated it).

Audio keeps no history: Opus has its own loss concealment and WebRTC does not NACK audio.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .rtp import HALF_SEQ, seq_is_newer


@dataclass(slots=True)
class StoredPacket:
    seq: int
    ts: int
    marker: int
    payload: bytes
    stored_at: float


class PacketHistory:
    """The last ``capacity`` packets of one stream, no older than ``max_age`` seconds.

    At 2 Mbit/s of 1,200-byte packets (~210 packets/s) the default 1,024 slots cover
    about 5 s, well over any useful retransmission window (a NACK answered after
    ~1 s arrives too late for a real-time player anyway: ``max_age``).
    """

    def __init__(self, capacity: int = 1024, max_age: float = 1.0, clock=time.monotonic) -> None:
        if capacity <= 0 or capacity & (capacity - 1):
            raise ValueError("capacity must be a power of two")
        self.capacity = capacity
        self.max_age = max_age
        self._mask = capacity - 1
        self._slots: list[StoredPacket | None] = [None] * capacity
        self._clock = clock

    def add(self, seq: int, ts: int, marker: int, payload: bytes, now: float | None = None) -> None:
        self._slots[seq & self._mask] = StoredPacket(seq, ts, marker, payload, self._clock() if now is None else now)

    def get(self, seq: int, now: float | None = None) -> StoredPacket | None:
        entry = self._slots[seq & self._mask]
        if entry is None or entry.seq != seq:
            return None
        if (self._clock() if now is None else now) - entry.stored_at > self.max_age:
            return None
        return entry

    def clear(self) -> None:
        self._slots = [None] * self.capacity


class LossTracker:
    """Finds holes in a received sequence so the relay can NACK its publisher.

    ``add`` returns the sequence numbers newly found missing (to NACK now);
    ``missing`` is bounded to the last ``window`` numbers so a long outage does not
    produce ever-growing feedback.
    """

    def __init__(self, window: int = 256, max_gap: int = 64) -> None:
        self.window = window
        self.max_gap = max_gap
        self.max_seq: int | None = None
        self.missing: set[int] = set()
        self.lost = 0  # sequence numbers ever found missing (the relay's metrics: loss from publishers)

    def add(self, seq: int) -> list[int]:
        if self.max_seq is None:
            self.max_seq = seq
            return []
        if seq_is_newer(seq, self.max_seq):
            gap = (seq - self.max_seq) & 0xFFFF
            new: list[int] = []
            if gap <= self.max_gap:  # a bigger jump is a restart, not loss
                new = [(self.max_seq + i) & 0xFFFF for i in range(1, gap)]
                self.missing.update(new)
                self.lost += len(new)
            self.max_seq = seq
            self._trim()
            return new
        self.missing.discard(seq)
        return []

    def _trim(self) -> None:
        low = (self.max_seq - self.window) & 0xFFFF
        for seq in [s for s in self.missing if ((s - low) & 0xFFFF) >= HALF_SEQ]:
            self.missing.discard(seq)
