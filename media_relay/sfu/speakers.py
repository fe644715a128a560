"""Active-speaker detection from audio levels, without decoding.

Input per audio packet: the ssrc-audio-level header extension (RFC 6464: 0 = 0 dBov,
loudest, ... 127 = silence) when the publisher sends it (browsers and aiortc do), else
a rough level from the Opus packet size (media_relay.sfu.rtp.estimate_level_from_size).

Every ``interval`` (300 ms, like mediasoup's observer) each producer's mean level over
the window decides whether the window was voiced (louder than ``speaking_level``).
Hysteresis: ``start_windows`` voiced windows in a row start speaking, ``stop_windows``
quiet windows in a row stop it; a producer that sent nothing for ``stale_after``
seconds (muted, vanished) stops at once. The dominant speaker changes only to a
producer that is speaking and louder than the current one by ``dominant_margin``
(smoothed), or when the current one stops, so the highlight does not flicker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .rtp import SILENCE_LEVEL


@dataclass(slots=True)
class _Level:
    total: int = 0
    count: int = 0
    last_packet: float = 0.0
    voiced_run: int = 0
    quiet_run: int = 0
    speaking: bool = False
    loudness: float = 0.0  # smoothed, 0 (silent) .. 127 (0 dBov)


@dataclass(frozen=True)
class SpeakerState:
    speaking: dict[str, int] = field(default_factory=dict)  # key -> loudness 0..127
    dominant: str | None = None


class ActiveSpeakerDetector:
    def __init__(
        self,
        *,
        interval: float = 0.3,
        speaking_level: int = 60,
        start_windows: int = 1,
        stop_windows: int = 3,
        stale_after: float = 0.6,
        dominant_margin: float = 6.0,
        clock=time.monotonic,
    ) -> None:
        self.interval = interval
        self.speaking_level = speaking_level
        self.start_windows = start_windows
        self.stop_windows = stop_windows
        self.stale_after = stale_after
        self.dominant_margin = dominant_margin
        self._clock = clock
        self._levels: dict[str, _Level] = {}
        self.dominant: str | None = None

    def observe(self, key: str, level: int, now: float) -> None:
        """One packet's level (0 loud .. 127 silent). Hot path: keep it tiny."""
        state = self._levels.get(key)
        if state is None:
            state = self._levels[key] = _Level()
        state.total += SILENCE_LEVEL - level
        state.count += 1
        state.last_packet = now

    def remove(self, key: str) -> bool:
        """Forget a producer (closed, paused, vanished). True if that changed the state."""
        state = self._levels.pop(key, None)
        changed = bool(state and state.speaking)
        if self.dominant == key:
            self.dominant = None
            changed = True
        return changed

    def silence(self, key: str) -> bool:
        """Stop a producer's speaking state now (muted) but keep tracking it."""
        state = self._levels.get(key)
        changed = bool(state and state.speaking)
        if state is not None:
            state.speaking, state.voiced_run, state.loudness = False, 0, 0.0
            state.total = state.count = 0
        if self.dominant == key:
            self.dominant = None
            changed = True
        return changed

    def state(self) -> SpeakerState:
        return SpeakerState(
            speaking={k: round(s.loudness) for k, s in self._levels.items() if s.speaking},
            dominant=self.dominant,
        )

    def tick(self, now: float | None = None) -> SpeakerState | None:
        """Close the current window; the new state if it changed, else None."""
        if now is None:
            now = self._clock()
        before = ({k for k, s in self._levels.items() if s.speaking}, self.dominant)
        for state in self._levels.values():
            loudness = state.total / state.count if state.count else 0.0
            state.total = state.count = 0
            stale = now - state.last_packet > self.stale_after
            voiced = not stale and loudness >= SILENCE_LEVEL - self.speaking_level
            if voiced:
                state.voiced_run += 1
                state.quiet_run = 0
            else:
                state.quiet_run += 1
                state.voiced_run = 0
            state.loudness = loudness if not state.speaking else 0.5 * state.loudness + 0.5 * loudness
            if stale:
                state.speaking = False
            elif not state.speaking and state.voiced_run >= self.start_windows:
                state.speaking = True
                state.loudness = loudness
            elif state.speaking and state.quiet_run >= self.stop_windows:
                state.speaking = False
        self._choose_dominant()
        after = ({k for k, s in self._levels.items() if s.speaking}, self.dominant)
        return self.state() if after != before else None

    def _choose_dominant(self) -> None:
        speaking = {k: s for k, s in self._levels.items() if s.speaking}
        current = speaking.get(self.dominant) if self.dominant else None
        if not speaking:
            if self.dominant not in self._levels:
                self.dominant = None
            return  # keep the last dominant speaker while nobody talks
        loudest = max(speaking, key=lambda k: speaking[k].loudness)
        if current is None or speaking[loudest].loudness > current.loudness + self.dominant_margin:
            self.dominant = loudest
