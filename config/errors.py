"""One error shape everywhere: {"code", "message", "extra"} over HTTP and WebSocket."""

from enum import Enum, StrEnum

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf
from rest_framework import serializers
from rest_framework.response import Response


class ServerError(StrEnum):
    """Codes of the failures that are ours, not the client's."""

    SERVER_ERROR = "server_error"
    UNAVAILABLE = "service_unavailable"


RETRY_AFTER_SECONDS = 5  # what a 503 asks clients to wait: an outage we ride out is seconds long


class CommonError(StrEnum):
    """Codes any front door may answer with, besides each app's own (<app>/errors.py)."""

    INVALID = "invalid"  # the input does not match the shape; extra.fields says where
    INVALID_FILTER = "invalid_filter"  # a list's filter value does not parse (config/filters.py)
    INVALID_ORDERING = "invalid_ordering"  # ?ordering= outside the list's allow-list
    INVALID_JSON = "invalid_json"
    INVALID_MESSAGE = "invalid_message"
    UNKNOWN_TYPE = "unknown_type"
    NOT_FOUND = "not_found"
    THROTTLED = "throttled"
    # DRF's own exceptions keep their default codes.
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PARSE_ERROR = "parse_error"


def error_enums() -> list[type[StrEnum]]:
    """Every error-code enum: CommonError and the StrEnums in each app's errors.py."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("errors")
    found = [CommonError]
    for subclass in StrEnum.__subclasses__():
        if subclass.__module__.endswith(".errors") and subclass not in found:
            found.append(subclass)
    return found


def error_codes() -> list[str]:
    return sorted({member.value for enum in error_enums() for member in enum})


class ApplicationError(Exception):
    """A refusal with a stable machine code. Services raise it; every front door renders it."""

    status = 400

    def __init__(self, code: Enum | str, message: str, extra: dict | None = None):
        self.code = code.value if isinstance(code, Enum) else code
        self.message = message
        self.extra = extra or {}
        super().__init__(message)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "extra": self.extra}


class NotFoundError(ApplicationError):
    status = 404


class ForbiddenError(ApplicationError):
    status = 403


class ConflictError(ApplicationError):
    status = 409


class GoneError(ApplicationError):
    status = 410


class RateLimitedError(ApplicationError):
    status = 429


def error_body(code: str, message: str, extra: dict | None = None) -> dict:
    return {"code": code, "message": message, "extra": extra or {}}


def validation_error_from_django(exc: DjangoValidationError) -> ApplicationError:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return ApplicationError(CommonError.INVALID, "Invalid input.", {"fields": fields})


def _drf_error(exc: drf.APIException) -> dict:
    if isinstance(exc, drf.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return error_body(CommonError.INVALID, "Invalid input.", {"fields": detail})
    if isinstance(exc, drf.Throttled):
        return error_body(CommonError.THROTTLED, "Too many requests.", {"retry_after": exc.wait})
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return error_body(code, str(exc.detail))


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every API error leaves in the one shape."""
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        err = validation_error_from_django(exc)
        return Response(err.as_dict(), status=err.status)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if not isinstance(exc, drf.APIException):
        return None  # a bug: let Django's 500 handling log it
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(_drf_error(exc), status=exc.status_code, headers=headers)


class ErrorSerializer(serializers.Serializer):
    """The one error shape, as documented in the OpenAPI schema."""

    code = serializers.CharField()
    message = serializers.CharField()
    extra = serializers.DictField()


@csrf_exempt  # a POST to an unknown API path is a 404 in the error shape, not the CSRF failure page
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    return JsonResponse(error_body(CommonError.NOT_FOUND, "No such API endpoint.", {"path": request.path[:200]}), status=404)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_server_error() -> JsonResponse:
    """An unhandled error under /api/: the error shape, never a traceback (DEBUG on or off)."""
    return JsonResponse(error_body(ServerError.SERVER_ERROR.value, "Something went wrong on our side. It has been logged."), status=500)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """PostgreSQL or Redis is down: 503 and Retry-After, in the error shape under /api/, else a plain page."""
    if is_api(request):
        response = JsonResponse(
            error_body(ServerError.UNAVAILABLE.value, "The service is briefly unavailable. Try again in a moment.",
                       {"retry_after": RETRY_AFTER_SECONDS}),
            status=503,
        )
    else:  # standalone: base.html needs the signed-in user, from the database that is down
        response = HttpResponse(render_to_string("unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
