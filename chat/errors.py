"""Error codes of the chat core, the same in every context so one client handles them all."""

from enum import StrEnum


class ChatError(StrEnum):
    TOO_LONG = "message_too_long"
    EMPTY = "message_empty"
    RATE_LIMITED = "chat_rate_limited"
    SLOW_MODE = "slow_mode"
    MESSAGE_NOT_FOUND = "message_not_found"
    TIMED_OUT = "chat_timed_out"
    BANNED = "chat_banned"
    EMOTE_ONLY = "chat_emote_only"
    FOLLOWERS_ONLY = "chat_followers_only"
    SUBSCRIBERS_ONLY = "chat_subscribers_only"
    NOT_A_MODERATOR = "chat_not_a_moderator"
    TARGET_INVALID = "chat_target_invalid"
    DURATION_INVALID = "chat_duration_invalid"
    MODES_INVALID = "chat_modes_invalid"
    NOTHING_PINNED = "chat_nothing_pinned"
    REACTION_INVALID = "reaction_invalid"
    REACTION_RATE_LIMITED = "reaction_rate_limited"
