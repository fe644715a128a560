from enum import StrEnum


class PaymentError(StrEnum):
    NOT_CONFIGURED = "payments_not_configured"
    WEBHOOK_SIGNATURE_INVALID = "webhook_signature_invalid"
    UNKNOWN_PURCHASE_KIND = "unknown_purchase_kind"
    DONATION_TOO_SMALL = "donation_too_small"
    DONATION_INVALID = "donation_invalid"
    TIER_NOT_FOUND = "tier_not_found"
    TIER_INVALID = "tier_invalid"
    OWN_CHANNEL = "own_channel"
    PAYOUT_OVER_BALANCE = "payout_over_balance"
    PAYOUT_ACCOUNT_MISSING = "payout_account_missing"
    PAYOUT_INVALID = "payout_invalid"
    NO_CUSTOMER = "no_customer"
    PRICE_INVALID = "price_invalid"


class AdError(StrEnum):
    """The ad marketplace's refusals (monetization.services.ads, .ads_selectors)."""

    NOT_ADVERTISER = "ad_not_advertiser"  # create an advertiser profile first
    ADVERTISER_EXISTS = "ad_advertiser_exists"
    AD_NOT_FOUND = "ad_not_found"
    NOT_AD_OWNER = "ad_not_owner"
    VIDEO_INVALID = "ad_video_invalid"  # not a video we take (extra.reason: not_video, too_large, too_long, too_short)
    AD_INVALID = "ad_invalid"  # a field out of range; extra.fields
    PACKAGE_NOT_FOUND = "ad_package_not_found"
    NOT_PAYABLE = "ad_not_payable"  # rejected ads take no orders; extra.status
    WRONG_STATUS = "ad_wrong_status"  # the review step does not fit the ad's status; extra.status
    OWN_AD = "ad_own_review"  # staff never review their own ad
    REASON_REQUIRED = "ad_rejection_reason_required"
    PLACEMENT_INVALID = "ad_placement_invalid"
    VIEW_NOT_FOUND = "ad_view_not_found"  # no such view token
    VIEW_NOT_YOURS = "ad_view_not_yours"  # the token was issued to another user
    VIEW_EXPIRED = "ad_view_expired"
    TOO_FAST = "ad_view_too_fast"  # 80 % claimed sooner than the video can play; extra.wait_seconds
    NOT_RUNNING = "ad_not_running"  # paused, done or not approved; extra.status
    BUDGET_USED_UP = "ad_budget_used_up"  # the ad's package was used up by other viewers first
    NOT_SPONSORED = "ad_not_sponsored"  # the ad is in no running sponsored event
