"""The machinery of the authorization matrices (RELIABILITY item 12), one per app in tests/<app>/test_authz_matrix.py.

Callers: anonymous, the owner (session), another user (session), staff (session, superuser), an
API token of the owner, and OAuth access tokens of the owner from a third-party app: one with every
scope ("oauth") and one with `read` only ("oauth_read"). A matrix's world (a SimpleNamespace) names them:
.owner, .other, .staff (users) and .key (the owner's token). Each Case states the status every caller
gets; its check, run after a success, says what the caller saw or changed.

The OAuth callers follow from the personal token's status and the Case's `scope` (accounts/scopes.py): a
read needs `read` (both have it) unless the Case names another scope; a write needs the scope the Case
names (only "oauth" has it), and a write that names none is refused to every OAuth token (403 scope_missing).
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from accounts.scopes import Scope

API = "/api/v1"
ROLES = ("anonymous", "owner", "other", "staff", "token", "oauth", "oauth_read")
OAUTH_ROLES = {"oauth": " ".join(Scope), "oauth_read": Scope.READ.value}
TOKEN_ROLES = ("token", *OAUTH_ROLES)
METHODS = ("get", "post", "put", "patch", "delete")


def caller(w, role: str):
    return {"anonymous": None, "owner": w.owner, "token": w.owner, "oauth": w.owner, "oauth_read": w.owner,
            "other": w.other, "staff": w.staff}[role]


def oauth_access_token(user, scope: str) -> str:
    """An access token `user` granted a third-party app, as /oauth/token/ hands out."""
    developer = get_user_model().objects.create(handle=f"dev{secrets.token_hex(4)}", email=f"{secrets.token_hex(4)}@dev.test")
    app = Application.objects.create(user=developer, name="A bot", client_type=Application.CLIENT_CONFIDENTIAL,
                                     authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                                     redirect_uris="https://bot.example/callback")
    key = secrets.token_urlsafe(24)
    AccessToken.objects.create(user=user, application=app, token=key, scope=scope,
                               expires=timezone.now() + timedelta(hours=1))
    return key


def client_for(w, role: str) -> APIClient:
    client = APIClient()
    if role == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {w.key}")
    elif role in OAUTH_ROLES:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {oauth_access_token(w.owner, OAUTH_ROLES[role])}")
    elif role != "anonymous":
        client.force_login(caller(w, role))
    return client


def as_owner(role: str) -> bool:
    return role == "owner" or role in TOKEN_ROLES


def expect(anonymous=401, *, owner, other=None, staff=None, token=None) -> dict:
    """Staff get nothing more than any other user; a token acts as its owner unless stated (OAuth: Case)."""
    other = owner if other is None else other
    return {
        "anonymous": anonymous, "owner": owner, "other": other,
        "staff": other if staff is None else staff, "token": owner if token is None else token,
    }


def ids(response) -> set[int]:
    body = response.json()
    return {row["id"] for row in (body if isinstance(body, list) else body["results"])}


@dataclass
class Case:
    name: str  # the URL name
    method: str
    path: str  # formatted with the world: {w.room.code}, {w.note.pk}, ...
    expected: dict
    data: Callable[[], dict] | dict | None = None
    format: str = "json"
    setup: Callable | None = None
    check: Callable | None = None  # after a 2xx: check(w, role, response)
    label: str = ""
    scope: str | None = None  # the scope an OAuth token needs (reads: `read` unless named here)

    def __post_init__(self):
        """The OAuth callers' statuses, unless the case states them (see the module's docstring)."""
        token = self.expected["token"]
        is_read = self.method == "get"
        self.expected.setdefault("oauth", token if is_read or self.scope else 403)
        self.expected.setdefault("oauth_read", token if is_read and self.scope in (None, Scope.READ) else 403)

    @property
    def id(self) -> str:
        return self.label or f"{self.method} {self.name}"


def matrix_params(cases: list[Case]) -> list:
    return [pytest.param(case, role, id=f"{case.id} [{role}]") for case in cases for role in ROLES]


def perform(w, case: Case, role: str, *, base: str = API):
    """Make the call (the matrix runs case.setup first, before it notes the state to compare)."""
    client = client_for(w, role)
    data = case.data() if callable(case.data) else case.data
    path = base + case.path.format(w=w)
    if data is None:
        return getattr(client, case.method)(path)
    return getattr(client, case.method)(path, data, format=case.format)


def assert_api_status(response, expected: int, role: str) -> bool:
    """The status the matrix expects, refusals in the error shape; True when the call succeeded."""
    assert response.status_code == expected, (role, response.status_code, response.content[:300])
    if expected < 400:
        return True
    body = response.json()
    assert set(body) == {"code", "message", "extra"}, body
    if expected == 401:
        assert body["code"] == "not_authenticated"
    return False


# -- completeness: the matrix names every endpoint, and anonymous callers are refused by default ----------------
def api_views() -> list[tuple[str, str, type]]:
    """(url name, route, view class) for every pattern under /api/v1/ served by a class-based view."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                if view_class is not None:
                    found.append((pattern.name, route, view_class))

    walk(get_resolver().url_patterns, "")
    return found


def api_endpoints(app: str | tuple[str, ...] | None = None) -> list[tuple[str, str, str]]:
    """(url name, method, route) for every pattern under /api/v1/ whose view lives in `app` (or one of them;
    None: any app)."""
    modules = None if app is None else tuple(f"{name}." for name in ((app,) if isinstance(app, str) else app))
    return [(name, method, route) for name, route, view_class in api_views()
            if not modules or view_class.__module__.startswith(modules)
            for method in METHODS if hasattr(view_class, method)]


def assert_matrix_complete(app: str | tuple[str, ...], cases: list[Case], *, at_least: int) -> None:
    in_urls = {(name, method) for name, method, _ in api_endpoints(app)}
    in_matrix = {(case.name, case.method) for case in cases}
    assert len(in_urls) >= at_least, f"{app} /api/v1/ endpoints not found"
    assert in_urls - in_matrix == set(), "endpoints missing from the authorization matrix"
    assert in_matrix - in_urls == set(), "matrix cases for endpoints that no longer exist"


def anonymous_params(app: str | tuple[str, ...]) -> list:
    return [pytest.param(name, method, route, id=f"{method} {route}") for name, method, route in api_endpoints(app)]


def assert_anonymous_refused(name: str, method: str, route: str, *, public: set[str], fill: str) -> None:
    """Call `route` with every placeholder filled (ints with 1, the rest with `fill`) and no credentials."""
    path = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else fill, route)
    response = getattr(APIClient(), method)(path)
    if name in public and method == "get":
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 401, (path, response.status_code, response.content[:200])
        assert response.json()["code"] == "not_authenticated"
