"""Shared DRF pieces: input parsing, pagination and the per-caller throttle."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle


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

    Throttling is a courtesy, not a security boundary: a few requests can slip
    through under concurrency.
    """

    def __init__(self):
        # The scope, and so the rate, is known only per request (allow_request).
        self.ident = None

    def allow_request(self, request, view):
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "pk"):
            self.scope, self.ident = "token", f"t{token.pk}"
        elif request.user and request.user.is_authenticated:
            self.scope, self.ident = "user", f"u{request.user.pk}"
        else:
            self.scope, self.ident = "anon", self.get_ident(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}

