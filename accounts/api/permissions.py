"""The scope guard every API view runs (accounts/scopes.py says what each scope opens)."""

from rest_framework import permissions

from config.errors import ForbiddenError

from ..errors import TokenError
from ..models import ApiToken
from ..scopes import Scope, scope_set


def required_scope(view, method: str) -> str | None:
    """The scope a token needs for `method` on `view`: what the view's `token_scopes` names, else `read` for
    reads and none for writes."""
    declared = getattr(view, "token_scopes", {})
    if method.lower() in declared:
        return declared[method.lower()]
    return Scope.READ if method in permissions.SAFE_METHODS else None


class TokenScopes(permissions.BasePermission):
    """Sessions pass (the user acts in person); a token, personal or OAuth, needs the scope of what it calls.

    In DEFAULT_PERMISSION_CLASSES, and in every view that sets its own permission_classes
    (tests/accounts/test_scopes.py holds every API view to it).
    """

    def has_permission(self, request, view):
        token = request.auth
        if token is None:
            return True
        granted = scope_set(token.scope)
        needed = required_scope(view, request.method)
        if needed is None:
            if isinstance(token, ApiToken) and granted >= set(Scope):
                return True  # the owner's own full-access token acts as them, as before scopes
            raise ForbiddenError(TokenError.SCOPE_MISSING, "Tokens cannot do this; sign in on the website.",
                                 {"required": None})
        if needed not in granted:
            raise ForbiddenError(TokenError.SCOPE_MISSING, f"This token lacks the {needed} scope.", {"required": needed})
        return True
