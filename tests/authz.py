"""The machinery of the authorization matrices (RELIABILITY item 12), one per app in tests/<app>/test_authz_matrix.py.

Callers: anonymous, the owner (session), another user (session), staff (session, superuser) and an
API token of the owner. A matrix's world (a SimpleNamespace) names them: .owner, .other, .staff
(users) and .key (the owner's token). Each Case states the status every caller gets; its check,
run after a success, says what the caller saw or changed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

API = "/api/v1"
ROLES = ("anonymous", "owner", "other", "staff", "token")
METHODS = ("get", "post", "put", "patch", "delete")


def caller(w, role: str):
    return {"anonymous": None, "owner": w.owner, "token": w.owner, "other": w.other, "staff": w.staff}[role]


def client_for(w, role: str) -> APIClient:
    client = APIClient()
    if role == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {w.key}")
    elif role != "anonymous":
        client.force_login(caller(w, role))
    return client


def as_owner(role: str) -> bool:
    return role in ("owner", "token")


def expect(anonymous=401, *, owner, other=None, staff=None, token=None) -> dict:
    """Staff get nothing more than any other user; a token acts as its owner unless stated."""
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
def api_endpoints(app: str | tuple[str, ...] | None = None) -> list[tuple[str, str, str]]:
    """(url name, method, route) for every pattern under /api/v1/ whose view lives in `app` (or one of them;
    None: any app)."""
    modules = None if app is None else tuple(f"{name}." for name in ((app,) if isinstance(app, str) else app))
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                if view_class is None or (modules and not view_class.__module__.startswith(modules)):
                    continue
                found.extend((pattern.name, method, route) for method in METHODS if hasattr(view_class, method))

    walk(get_resolver().url_patterns, "")
    return found


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
