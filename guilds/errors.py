"""Error codes of the guilds app (the `code` of the one error shape)."""

from enum import StrEnum


class GuildError(StrEnum):
    NOT_FOUND = "guild_not_found"
    NAME_TAKEN = "guild_name_taken"
    SETTINGS_INVALID = "guild_settings_invalid"
    FULL = "guild_full"
    ALREADY_IN_GUILD = "already_in_guild"
    INVITE_ONLY = "guild_invite_only"
    IS_PUBLIC = "guild_is_public"
    BANNED = "guild_banned"
    NOT_A_MEMBER = "not_a_guild_member"
    NOT_ALLOWED = "guild_not_allowed"
    TARGET_INVALID = "guild_member_invalid"
    LEADER_MUST_TRANSFER = "guild_leader_must_transfer"
    BLOCKED = "blocked"
    REQUEST_EXISTS = "guild_join_request_exists"
    REQUEST_NOT_FOUND = "guild_join_request_not_found"
    INVITE_EXISTS = "guild_invite_exists"
    INVITE_NOT_FOUND = "guild_invite_not_found"
    ROOM_NOT_FOUND = "guild_room_not_found"

