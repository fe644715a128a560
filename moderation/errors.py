"""Error codes of reports, the moderation queue and AutoMod."""

from enum import StrEnum


class ModerationError(StrEnum):
    TARGET_KIND_UNKNOWN = "report_target_kind_unknown"
    TARGET_NOT_FOUND = "report_target_not_found"
    CANNOT_REPORT_SELF = "report_self"
    ALREADY_REPORTED = "report_duplicate"
    REPORTS_RATE_LIMITED = "reports_rate_limited"
    CASE_NOT_OPEN = "case_not_open"
    ACTION_INVALID = "case_action_invalid"
    DURATION_INVALID = "case_duration_invalid"
    SCOPE_INVALID = "ban_scope_invalid"
    NOT_CHANNEL_OWNER = "not_channel_owner"
    TERM_INVALID = "automod_term_invalid"
    AUTOMOD_BLOCKED = "automod_blocked"
    AUTOMOD_HELD = "automod_held_for_review"
    AUTOMOD_SPAM = "automod_spam_timeout"
