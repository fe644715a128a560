"""The @handle rules: shape, reserved names, prohibited words, availability."""

import re

from config.errors import ApplicationError

from .errors import AccountError

HANDLE_RE = re.compile(r"^[a-z0-9_]{3,30}\Z")  # \Z: "$" would accept a trailing newline

# Names that are routes, roles or ours.
RESERVED = frozenset(
    """
    about account accounts admin administrator api app apps auth billing blog
    contact dashboard docs download events explore friends guild guilds help home
    hallway invite invites leaderboard leaderboards login logout media me mod
    moderator moderators new notifications null official premium privacy profile
    root room rooms search security settings signin signup staff static status
    stream streams support system team terms undefined user users watchtogether
    www you
    """.split()
)

# Substrings refused anywhere in a handle. Kept short and unambiguous; the
# moderation issue owns the full word filter.
PROHIBITED_FRAGMENTS = (
    "fuck", "shit", "cunt", "bitch", "nigg", "fagg", "nazi", "hitler", "rapist",
    "whore", "slut", "porn", "kkk", "retard",
)


def normalize_handle(raw: str) -> str:
    return raw.strip().removeprefix("@").lower()


def validate_handle_shape(handle: str) -> None:
    """Raise unless `handle` (already normalized) may be used by someone."""
    if not HANDLE_RE.match(handle):
        raise ApplicationError(
            AccountError.HANDLE_INVALID,
            "A handle is 3–30 characters: lowercase letters, digits and underscores.",
            {"handle": handle[:40]},
        )
    if handle in RESERVED or handle.strip("_") in RESERVED:
        raise ApplicationError(AccountError.HANDLE_RESERVED, f"@{handle} is reserved.", {"handle": handle})
    squashed = handle.replace("_", "")
    if any(fragment in squashed for fragment in PROHIBITED_FRAGMENTS):
        raise ApplicationError(AccountError.HANDLE_PROHIBITED, "That handle is not allowed.", {"handle": handle})
