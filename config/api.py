"""Shared DRF pieces: input parsing, pagination and the per-caller throttle."""

import math
from dataclasses import dataclass

from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle

from config.metrics import THROTTLED
from config.rate_counters import Window, window_hit, window_refund


def parse(serializer_class, request) -> dict:
    """The request body, validated by `serializer_class` (an invalid body answers 400 `invalid`)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class CallerRateThrottle(SimpleRateThrottle):
    """One bucket per API token, per signed-in user, or per IP for anonymous callers.

    Counted atomically (config.rate_counters), so parallel requests cannot slip past the limit; the
    caller's standing goes out on every response as RateLimit-* headers (RateLimitHeadersMiddleware).
    A personal token's hit is counted by its authentication (caller_hit); the throttle then uses that window.
    """

    def __init__(self):
        pass  # the scope, and so the rate, is known only per request (allow_request)

    def allow_request(self, request, view):
        counted = vars(request._request).pop("counted_hit", None)  # used here: nothing to give back
        scope, ident = (counted.scope, None) if counted is not None else self.bucket(request)
        limit, duration = self.scope_rate(scope)
        window = counted.window if counted is not None else window_hit(f"{scope}:{ident}", duration)
        self.seconds_left = window.seconds_left
        request._request.rate_limit = RateLimit(limit, max(limit - window.count, 0), window.seconds_left, duration)
        if window.count > limit:
            THROTTLED.labels(scope).inc()
            return False
        return True

    def bucket(self, request) -> tuple[str, str]:
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "key_hash"):  # a personal token: known before its look-up
            return "token", token.key_hash
        if token is not None and hasattr(token, "pk"):  # an OAuth access token
            return "token", f"t{token.pk}"
        if request.user and request.user.is_authenticated:
            return "user", f"u{request.user.pk}"
        return "anon", self.get_ident(request)

    @classmethod
    def scope_rate(cls, scope: str) -> tuple[int, int]:
        """The limit and the window's seconds for `scope` (read per call: tests patch THROTTLE_RATES)."""
        return cls().parse_rate(cls.THROTTLE_RATES[scope])

    def wait(self):
        return self.seconds_left


@dataclass(frozen=True)
class CountedHit:
    scope: str
    key: str
    window: Window


def caller_hit(request, *, scope: str, ident: str, read: str | None = None) -> Window:
    """Count the request's throttle hit ahead of CallerRateThrottle, which then uses this window (still one hit
    a request), reading `read` in the same Redis round trip (rate_counters.window_hit).

    For the personal token authentication: its kept token row comes with the hit, one round trip in all
    (accounts/services/token_cache.py). A request refused before the throttle (a 401, a 403) gets its hit
    back, as if it had never been counted (RateLimitHeadersMiddleware).
    """
    key = f"{scope}:{ident}"
    window = window_hit(key, CallerRateThrottle.scope_rate(scope)[1], read=read)
    request._request.counted_hit = CountedHit(scope, key, window)
    return window


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    seconds_left: float
    window: int

    def headers(self) -> dict[str, str]:
        """The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers): the window's limit, what is left, when it
        starts again."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(math.ceil(self.seconds_left)),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }


class RateLimitHeadersMiddleware:
    """Adds the caller's RateLimit-* headers to every API response that went through the throttle, and gives
    back a hit counted ahead of a throttle that never ran (caller_hit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        counted = getattr(request, "counted_hit", None)
        if counted is not None:
            window_refund(counted.key)
        rate_limit = getattr(request, "rate_limit", None)
        if rate_limit is not None:
            for name, value in rate_limit.headers().items():
                response[name] = value
        return response
