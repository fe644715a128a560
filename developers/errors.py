from enum import StrEnum


class WebhookError(StrEnum):
    WEBHOOK_NOT_FOUND = "webhook_not_found"
    DELIVERY_NOT_FOUND = "webhook_delivery_not_found"
    URL_INVALID = "webhook_url_invalid"  # not https, or it leads to a private address (extra.reason)
    EVENTS_INVALID = "webhook_events_invalid"
    TOO_MANY_WEBHOOKS = "too_many_webhooks"
