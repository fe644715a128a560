"""rooms.sync: the server-authoritative playback arithmetic (pure, times in seconds)."""

import pytest

from rooms.sync import MAX_RATE, MIN_RATE, PlaybackState, clamp_position

T0 = 1_700_000_000.0  # any server epoch


# -- position_at ----------------------------------------------------------------------------------
def test_paused_position_does_not_move():
    state = PlaybackState(is_playing=False, position=42.5, at=T0)
    assert state.position_at(T0) == 42.5
    assert state.position_at(T0 + 3600) == 42.5


def test_playing_position_advances_with_time():
    state = PlaybackState(is_playing=True, position=10.0, at=T0)
    assert state.position_at(T0) == 10.0
    assert state.position_at(T0 + 2.5) == pytest.approx(12.5)
    assert state.position_at(T0 + 60) == pytest.approx(70.0)


@pytest.mark.parametrize("rate, expected", [(0.5, 15.0), (1.5, 25.0), (2.0, 30.0), (0.25, 12.5)])
def test_playing_position_advances_at_the_rate(rate, expected):
    state = PlaybackState(is_playing=True, position=10.0, at=T0, rate=rate)
    assert state.position_at(T0 + 10) == pytest.approx(expected)


def test_position_is_clamped_to_the_duration():
    state = PlaybackState(is_playing=True, position=95.0, at=T0, duration=100.0)
    assert state.position_at(T0 + 3) == pytest.approx(98.0)
    assert state.position_at(T0 + 30) == 100.0
    assert not state.has_ended(T0 + 3)
    assert state.has_ended(T0 + 5)
    assert state.has_ended(T0 + 30)


def test_position_is_never_negative():
    # A clock that went backwards (now before `at`) must not give a negative position.
    state = PlaybackState(is_playing=True, position=1.0, at=T0)
    assert state.position_at(T0 - 10) == 0.0


def test_unknown_duration_never_ends():
    state = PlaybackState(is_playing=True, position=0.0, at=T0)
    assert not state.has_ended(T0 + 10**6)
    assert state.position_at(T0 + 10**6) == 10**6


# -- transitions -------------------------------------------------------------------------------------
def test_play_from_pause_resumes_where_it_stopped():
    paused = PlaybackState(is_playing=False, position=30.0, at=T0)
    playing = paused.play(T0 + 100)
    assert playing == PlaybackState(is_playing=True, position=30.0, at=T0 + 100)
    assert playing.position_at(T0 + 104) == pytest.approx(34.0)


def test_play_at_a_position():
    state = PlaybackState(is_playing=False, position=30.0, at=T0, duration=60.0).play(T0 + 1, position=45.0)
    assert (state.is_playing, state.position, state.at) == (True, 45.0, T0 + 1)


def test_play_at_a_position_is_clamped():
    state = PlaybackState(duration=60.0)
    assert state.play(T0, position=500.0).position == 60.0
    assert state.play(T0, position=-5.0).position == 0.0


def test_pause_freezes_the_current_position():
    playing = PlaybackState(is_playing=True, position=10.0, at=T0, rate=1.5)
    paused = playing.pause(T0 + 4)
    assert paused == PlaybackState(is_playing=False, position=pytest.approx(16.0), at=T0 + 4, rate=1.5)
    assert paused.position_at(T0 + 1000) == pytest.approx(16.0)


def test_pause_at_a_position():
    paused = PlaybackState(is_playing=True, position=10.0, at=T0).pause(T0 + 4, position=12.0)
    assert (paused.is_playing, paused.position, paused.at) == (False, 12.0, T0 + 4)


def test_seek_keeps_playing_or_paused():
    playing = PlaybackState(is_playing=True, position=10.0, at=T0)
    sought = playing.seek(T0 + 5, 100.0)
    assert (sought.is_playing, sought.position, sought.at) == (True, 100.0, T0 + 5)
    assert sought.position_at(T0 + 7) == pytest.approx(102.0)
    paused = PlaybackState(is_playing=False, position=10.0, at=T0).seek(T0 + 5, 3.0)
    assert (paused.is_playing, paused.position, paused.at) == (False, 3.0, T0 + 5)


def test_seek_is_clamped():
    state = PlaybackState(duration=120.0)
    assert state.seek(T0, 9999.0).position == 120.0
    assert state.seek(T0, -1.0).position == 0.0


def test_rate_change_keeps_the_position_continuous():
    playing = PlaybackState(is_playing=True, position=10.0, at=T0)
    faster = playing.with_rate(T0 + 10, 2.0)
    assert (faster.position, faster.at, faster.rate) == (pytest.approx(20.0), T0 + 10, 2.0)
    assert faster.position_at(T0 + 15) == pytest.approx(30.0)  # 5 s at 2×


@pytest.mark.parametrize("rate", [MIN_RATE, 1.0, MAX_RATE])
def test_rate_bounds_are_allowed(rate):
    assert PlaybackState().with_rate(T0, rate).rate == rate


@pytest.mark.parametrize("rate", [0.0, 0.24, 2.01, 4.0, -1.0])
def test_invalid_rate_is_refused(rate):
    with pytest.raises(ValueError, match="rate"):
        PlaybackState().with_rate(T0, rate)


def test_duration_report_rebases_the_position():
    playing = PlaybackState(is_playing=True, position=10.0, at=T0)
    known = playing.with_duration(T0 + 5, 300.0)
    assert (known.position, known.at, known.duration) == (pytest.approx(15.0), T0 + 5, 300.0)


def test_transitions_do_not_mutate_the_state():
    state = PlaybackState(is_playing=True, position=10.0, at=T0)
    state.pause(T0 + 5)
    state.seek(T0 + 5, 50.0)
    assert state == PlaybackState(is_playing=True, position=10.0, at=T0)


@pytest.mark.parametrize(
    "position, duration, expected", [(5.0, None, 5.0), (-3.0, None, 0.0), (70.0, 60.0, 60.0), (-1.0, 60.0, 0.0)]
)
def test_clamp_position(position, duration, expected):
    assert clamp_position(position, duration) == expected
