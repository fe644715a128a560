"""Error codes of the direct messages app (the `code` of the one error shape)."""

from enum import StrEnum


class DmError(StrEnum):
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    BLOCKED = "dm_blocked"
    NOT_ACCEPTED = "dm_not_accepted"  # the recipient's privacy refuses messages from this sender
    SELF = "dm_self"
    GROUP_FULL = "dm_group_full"
    GROUP_INVALID = "dm_group_invalid"
    NOT_A_GROUP = "dm_not_a_group"
    ALREADY_MEMBER = "dm_already_member"
    NOT_A_MEMBER = "dm_not_a_member"
    NOT_ALLOWED = "dm_not_allowed"
    CALL_NOT_FOUND = "call_not_found"
    CALL_NOT_RINGING = "call_not_ringing"
    CALL_GROUP = "call_group_unsupported"
    CALL_NOT_OPEN = "call_not_open"
