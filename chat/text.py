"""The rules every chat message's text follows, whatever the context."""

import re
import unicodedata

from config.errors import ApplicationError, CommonError

from .errors import ChatError
from .models import MAX_MESSAGE_LENGTH

NUL = "\x00"
# An emote written by name, as chat clients do (":wave:", ":PogChamp:").
EMOTE_CODE = re.compile(r":[A-Za-z0-9_+-]{1,32}:")
# What joins or modifies emoji: zero-width joiner, variation selectors, keycap, skin tones, tag characters.
_EMOJI_GLUE = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}  # ZWJ, text and emoji presentation, keycap


def body_clean(body: str, *, max_length: int = MAX_MESSAGE_LENGTH) -> str:
    """A message's text: NUL refused, NFC-normalized, stripped; refused when empty or too long."""
    if NUL in body:
        raise ApplicationError(CommonError.INVALID, "A message may not contain NUL bytes.",
                               {"fields": {"body": ["NUL bytes are not allowed."]}})
    body = unicodedata.normalize("NFC", body).strip()
    if not body:
        raise ApplicationError(ChatError.EMPTY, "Say something first.")
    if len(body) > max_length:
        raise ApplicationError(ChatError.TOO_LONG, f"Messages are at most {max_length} characters.",
                               {"max_length": max_length, "length": len(body)})
    return body


def is_emoji_char(char: str) -> bool:
    point = ord(char)
    return (point in _EMOJI_GLUE or 0x1F3FB <= point <= 0x1F3FF or 0xE0020 <= point <= 0xE007F
            or unicodedata.category(char) == "So")


def is_emote_only(body: str) -> bool:
    """Only emoji and emote codes (and spaces between them): what emote-only mode lets through."""
    rest = EMOTE_CODE.sub(" ", body)
    return any(not c.isspace() for c in body) and all(c.isspace() or is_emoji_char(c) for c in rest)


MAX_REACTION_LENGTH = 16
ZWJ = 0x200D


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def is_reaction(emoji: str) -> bool:
    """One emoji: a symbol with its modifiers and variation selectors, a ZWJ sequence of them, or a flag
    (two regional indicators); at most 16 code points. What a viewer's reaction is."""
    if not 0 < len(emoji) <= MAX_REACTION_LENGTH or not all(is_emoji_char(c) for c in emoji):
        return False
    bases = [c for c in emoji if ord(c) not in _EMOJI_GLUE and not 0x1F3FB <= ord(c) <= 0x1F3FF
             and not 0xE0020 <= ord(c) <= 0xE007F]
    if len(bases) == 2 and all(_is_regional_indicator(c) for c in bases):
        return True
    return len(bases) == sum(ord(c) == ZWJ for c in emoji) + 1 and not _is_regional_indicator(emoji[0])
