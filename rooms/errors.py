from enum import StrEnum


class RoomError(StrEnum):
    NOT_FOUND = "room_not_found"
    CLOSED = "room_closed"
    FULL = "room_full"
    LOCKED = "room_locked"
    PRIVATE = "room_private"
    FRIENDS_ONLY = "room_friends_only"
    BANNED = "room_banned"
    NOT_A_MEMBER = "not_a_member"
    NOT_ALLOWED = "not_allowed"
    INVITE_INVALID = "invite_invalid"
    INVITE_EXPIRED = "invite_expired"
    INVITE_USED_UP = "invite_used_up"
    SETTINGS_INVALID = "room_settings_invalid"
    FILTER_INVALID = "filter_invalid"
    TARGET_INVALID = "member_invalid"


class PlaybackError(StrEnum):
    NO_RIGHTS = "playback_not_allowed"
    NO_SOURCE = "no_source"
    NOT_SYNCED = "source_not_synced"
    SOURCE_INVALID = "source_invalid"
    LIVE_NO_CONTROL = "live_not_controllable"  # pause, seek or rate on a live stream
    LIVE_SOURCE_NOT_FOUND = "live_source_not_found"
    LIVE_SOURCE_ENDED = "live_source_ended"


class RoomChatError(StrEnum):
    """Room chat's own refusals; the shared ones (length, rate, slow mode, ...) are chat.errors.ChatError."""

    CHAT_OFF = "chat_off"
    MODS_ONLY = "chat_mods_only"
    MUTED = "muted"


class QueueError(StrEnum):
    FULL = "queue_full"
    ITEM_NOT_FOUND = "queue_item_not_found"
    ORDER_INVALID = "queue_order_invalid"
    ALREADY_VOTED = "already_voted"


class MatchError(StrEnum):
    ALREADY_WAITING = "already_waiting"
    NOT_WAITING = "not_waiting"
    NOT_MATCHED = "not_matched"
    LANGUAGES_REQUIRED = "languages_required"


class ScheduleError(StrEnum):
    INVALID = "schedule_invalid"  # in the past, more than 90 days ahead, or bad fields
    NOT_FOUND = "scheduled_room_not_found"
    CANCELLED = "scheduled_room_cancelled"
    NOT_SCHEDULED = "scheduled_room_not_scheduled"  # already opened or cancelled
