from enum import StrEnum


class AccountError(StrEnum):
    HANDLE_INVALID = "handle_invalid"
    HANDLE_RESERVED = "handle_reserved"
    HANDLE_PROHIBITED = "handle_prohibited"
    HANDLE_TAKEN = "handle_taken"
    HANDLE_CHANGE_TOO_SOON = "handle_change_too_soon"
    AVATAR_TOO_LARGE = "avatar_too_large"
    AVATAR_INVALID = "avatar_invalid"
    LANGUAGE_INVALID = "language_invalid"
    LANGUAGE_LEVEL_INVALID = "language_level_invalid"
    TIMEZONE_INVALID = "timezone_invalid"
    ROOM_DEFAULTS_INVALID = "room_defaults_invalid"
    USER_NOT_FOUND = "user_not_found"
    PASSWORD_INCORRECT = "password_incorrect"


class SocialError(StrEnum):
    SELF = "self_not_allowed"
    BLOCKED = "blocked"
    ALREADY_FRIENDS = "already_friends"
    REQUEST_EXISTS = "friend_request_exists"
    REQUESTS_CLOSED = "friend_requests_closed"
    REQUEST_NOT_FOUND = "friend_request_not_found"
    NOT_FRIENDS = "not_friends"
    ALREADY_FOLLOWING = "already_following"
    NOT_FOLLOWING = "not_following"
    ALREADY_BLOCKED = "already_blocked"
    NOT_BLOCKED = "not_blocked"
    LIST_PRIVATE = "list_private"


class TokenError(StrEnum):
    TOKEN_INVALID = "token_invalid"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_NOT_FOUND = "token_not_found"
    TOO_MANY_TOKENS = "too_many_tokens"
    SCOPE_MISSING = "scope_missing"


class NotificationError(StrEnum):
    NOT_FOUND = "notification_not_found"


class DeliveryError(StrEnum):
    PUSH_SUBSCRIPTION_NOT_FOUND = "push_subscription_not_found"
    PUSH_SUBSCRIPTION_INVALID = "push_subscription_invalid"
    NO_PUSH_SUBSCRIPTIONS = "no_push_subscriptions"
    UNSUBSCRIBE_LINK_INVALID = "unsubscribe_link_invalid"
    KIND_UNKNOWN = "notification_kind_unknown"
    CHANNEL_INVALID = "notification_channel_invalid"
    QUIET_HOURS_INVALID = "quiet_hours_invalid"
