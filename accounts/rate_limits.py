"""allauth's 429s with a Retry-After header (allauth sends none).

allauth answers a spent rate limit through `<ROOT_URLCONF>.handler429` (config/urls.py points
it here). It does not tell the handler which limit was spent, so the header says the longest
window of the limits of the page's action: by then every one of them has room again.
"""

import math

from allauth.account import app_settings
from allauth.core.internal.ratelimit import handler429, parse_rates

# allauth's URL names -> the ACCOUNT_RATE_LIMITS action their views consume
ACTIONS = {
    "account_login": "login",
    "account_signup": "signup",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_change_password": "change_password",
    "account_email": "manage_email",
    "account_email_verification_sent": "confirm_email",
    "account_confirm_email": "confirm_email",
    "account_reauthenticate": "reauthenticate",
    "account_request_login_code": "request_login_code",
}


def retry_after_seconds(url_name: str | None) -> int:
    limits = app_settings.RATE_LIMITS
    action = ACTIONS.get(url_name)
    configs = [limits.get(action)] if action in limits else limits.values()
    durations = [rate.duration for config in configs for rate in parse_rates(config)]
    return math.ceil(max(durations, default=60))


def too_many_requests(request):
    response = handler429(request)
    match = request.resolver_match
    response["Retry-After"] = str(retry_after_seconds(match.url_name if match else None))
    return response
