"""Active-speaker detection from audio levels."""

from __future__ import annotations

from media_relay.sfu.speakers import ActiveSpeakerDetector


def feed(detector, key, level, start, seconds, every=0.02):
    t = start
    while t < start + seconds:
        detector.observe(key, level, t)
        t += every


def run(detector, levels: dict[str, int], start: float, windows: int):
    """Feed each key its level for ``windows`` windows, ticking after each; returns the last change."""
    change = None
    t = start
    for _ in range(windows):
        for key, level in levels.items():
            feed(detector, key, level, t, detector.interval)
        t += detector.interval
        result = detector.tick(t)
        change = result or change
    return change, t


def test_loud_producer_becomes_speaking_and_dominant():
    d = ActiveSpeakerDetector(interval=0.3)
    change, _ = run(d, {"a": 20, "b": 127}, 0.0, 2)
    assert change.speaking.keys() == {"a"}
    assert change.dominant == "a"


def test_quiet_background_is_not_speech():
    d = ActiveSpeakerDetector(interval=0.3, speaking_level=60)
    change, _ = run(d, {"a": 90}, 0.0, 5)  # -90 dBov: room noise
    assert change is None and d.state().speaking == {}


def test_hysteresis_keeps_speaking_through_a_short_pause():
    d = ActiveSpeakerDetector(interval=0.3, stop_windows=3)
    _, t = run(d, {"a": 20}, 0.0, 2)
    _, t = run(d, {"a": 127}, t, 2)  # 0.6 s breath
    assert "a" in d.state().speaking
    _, t = run(d, {"a": 127}, t, 1)
    assert "a" not in d.state().speaking


def test_dominant_changes_only_for_a_clearly_louder_speaker():
    d = ActiveSpeakerDetector(interval=0.3, dominant_margin=6)
    _, t = run(d, {"a": 30}, 0.0, 2)
    assert d.dominant == "a"
    _, t = run(d, {"a": 30, "b": 27}, t, 3)  # b slightly louder: no flip
    assert d.dominant == "a"
    _, t = run(d, {"a": 30, "b": 10}, t, 3)  # b clearly louder
    assert d.dominant == "b"


def test_silent_producer_stops_speaking_at_once_when_packets_stop():
    d = ActiveSpeakerDetector(interval=0.3, stale_after=0.6)
    _, t = run(d, {"a": 20}, 0.0, 2)
    assert "a" in d.state().speaking
    change = None
    for _ in range(3):  # no packets at all (vanished / muted upstream)
        t += 0.3
        change = d.tick(t) or change
    assert change is not None and change.speaking == {}


def test_remove_and_silence_clear_state_immediately():
    d = ActiveSpeakerDetector(interval=0.3)
    run(d, {"a": 20, "b": 25}, 0.0, 2)
    assert d.remove("a") is True
    assert "a" not in d.state().speaking and d.dominant is None
    assert d.silence("b") is True
    assert d.state().speaking == {}
    assert d.remove("nobody") is False
