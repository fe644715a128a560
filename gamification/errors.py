from enum import StrEnum


class GamificationError(StrEnum):
    BOARD_NOT_FOUND = "leaderboard_not_found"
    WEEK_NOT_FOUND = "week_not_found"
    WEEK_NOT_OVER = "week_not_over"
    EVENT_NOT_FOUND = "event_not_found"
    EVENT_INVALID = "event_invalid"
    TOO_MANY_GUILD_EVENTS = "too_many_guild_events"
    BADGE_NOT_OWNED = "badge_not_owned"
    SHOWCASE_TOO_MANY = "showcase_too_many"
    SHOWCASE_DUPLICATE = "showcase_duplicate"
    DECORATION_NOT_OWNED = "decoration_not_owned"
    DECORATION_WRONG_KIND = "decoration_wrong_kind"
    IMAGE_INVALID = "badge_image_invalid"
