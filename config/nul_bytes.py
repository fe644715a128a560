"""Refuse a NUL byte in a request's path or query string with a 400, before any view sees it.

PostgreSQL text cannot hold NUL: a lookup by such a value fails deep in the database driver
(a 500). Form and JSON fields are already refused by Django's and DRF's CharField validators.
"""

from django.http import JsonResponse
from django.views.defaults import bad_request

from config.errors import CommonError, error_body, is_api

NUL = "\x00"


def nul_byte_in(request) -> str | None:
    """Where the request carries a NUL byte: "path", "query" or None."""
    if NUL in request.path:
        return "path"
    if any(NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()):
        return "query"
    return None


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = nul_byte_in(request)
        if where is None:
            return self.get_response(request)
        if is_api(request):
            message = "A request's path and query string may not contain NUL bytes."
            return JsonResponse(error_body(CommonError.INVALID, message, {"where": where}), status=400)
        return bad_request(request, exception=None)
