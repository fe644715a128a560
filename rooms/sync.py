"""Server-authoritative playback arithmetic. Pure: no Django, no I/O, times in seconds.

The room's state is {playing, position, at, rate}: `position` was true at server time
`at`, and while playing it advances at `rate`. Every member computes the same expected
position from it (static/js/sync.js mirrors position_at); the server only ever moves
the state forward through the transitions below.
"""

from dataclasses import dataclass, replace

# The limits every front door checks (socket, API, database constraint).
MIN_RATE, MAX_RATE = 0.25, 2.0
MAX_POSITION = 24 * 60 * 60  # seconds: positions and durations stay within a day


@dataclass(frozen=True)
class PlaybackState:
    is_playing: bool = False
    position: float = 0.0
    at: float = 0.0
    rate: float = 1.0
    duration: float | None = None  # known once a player reports it; clamps the position

    def position_at(self, now: float) -> float:
        position = self.position + (now - self.at) * self.rate if self.is_playing else self.position
        if self.duration is not None:
            position = min(position, self.duration)
        return max(0.0, position)

    def has_ended(self, now: float) -> bool:
        return self.duration is not None and self.position_at(now) >= self.duration

    def play(self, now: float, position: float | None = None) -> "PlaybackState":
        start = self.position_at(now) if position is None else clamp_position(position, self.duration)
        return replace(self, is_playing=True, position=start, at=now)

    def pause(self, now: float, position: float | None = None) -> "PlaybackState":
        stop = self.position_at(now) if position is None else clamp_position(position, self.duration)
        return replace(self, is_playing=False, position=stop, at=now)

    def seek(self, now: float, position: float) -> "PlaybackState":
        return replace(self, position=clamp_position(position, self.duration), at=now)

    def with_rate(self, now: float, rate: float) -> "PlaybackState":
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(f"rate must be within {MIN_RATE}–{MAX_RATE}")
        return replace(self, position=self.position_at(now), at=now, rate=rate)

    def with_duration(self, now: float, duration: float) -> "PlaybackState":
        return replace(self, position=self.position_at(now), at=now, duration=duration)


def clamp_position(position: float, duration: float | None) -> float:
    position = max(0.0, position)
    return min(position, duration) if duration is not None else position
