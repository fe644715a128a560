import pytest

from chat.text import body_clean, is_emote_only, is_reaction
from tests.rooms.conftest import refused


def test_body_is_normalized_and_stripped():
    assert body_clean("  Cafe\u0301 ") == "Caf\u00e9"


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_empty_is_refused(body):
    with refused("message_empty", 400):
        body_clean(body)


def test_length_is_counted_after_stripping():
    assert body_clean(" " + "x" * 500 + " ") == "x" * 500
    with refused("message_too_long", 400) as info:
        body_clean("x" * 11, max_length=10)
    assert info.value.extra == {"max_length": 10, "length": 11}


def test_nul_is_refused():
    with refused("invalid", 400) as info:
        body_clean("hi\x00there")
    assert info.value.extra == {"fields": {"body": ["NUL bytes are not allowed."]}}


@pytest.mark.parametrize(("body", "only"), [
    ("\U0001F525", True), ("\U0001F525 \U0001F389\U0001F389", True), (":wave: :PogChamp:", True),
    ("\U0001F44B\U0001F3FD", True), ("\U0001F468\u200D\U0001F469\u200D\U0001F467", True), ("\u2764\ufe0f", True),
    ("hi \U0001F525", False), (":wave: hello", False), ("123", False), ("   ", False), (":: ", False),
])
def test_emote_only(body, only):
    assert is_emote_only(body) is only


@pytest.mark.parametrize(("emoji", "ok"), [
    ("\U0001F525", True), ("\u2764\ufe0f", True), ("\U0001F44F\U0001F3FB", True), ("\U0001F1EB\U0001F1F7", True),
    ("\U0001F468\u200D\U0001F469\u200D\U0001F467", True), ("\U0001F525\U0001F525", False), ("\U0001F1EB", False),
    ("", False), ("a", False), ("\U0001F525 ", False), ("\ufe0f", False), ("\U0001F525" * 17, False),
])
def test_a_reaction_is_one_emoji(emoji, ok):
    assert is_reaction(emoji) is ok
