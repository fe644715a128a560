"""The OpenAPI document: valid, complete, and honest about errors."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/Error"
NOT_DOCUMENTED = {"api/v1/schema/", "api/v1/docs/", "api/v1/redoc/"}
PUBLIC = {"/api/v1/handles/{handle}/", "/api/v1/users/{handle}/", "/api/v1/users/{handle}/friends/",
          "/api/v1/channels/{slug}/", "/api/v1/channels/{slug}/streams/", "/api/v1/streams/", "/api/v1/rooms/",
          "/api/v1/streams/{stream_id}/", "/api/v1/streams/{stream_id}/stage/", "/api/v1/streams/{stream_id}/polls/",
          "/api/v1/clips/", "/api/v1/clips/{slug}/", "/api/v1/vods/{vod_id}/", "/api/v1/channels/{slug}/vods/",
          "/api/v1/channels/{slug}/tiers/"}
# Anonymous calls that are not reads: a watch token for a live stream (anyone may watch).
PUBLIC_WRITES = {("post", "/api/v1/streams/{stream_id}/media-token/"), ("post", "/api/v1/streams/{stream_id}/hls/"),
                 ("post", "/api/v1/streams/{stream_id}/webrtc/")}
# Operations that succeed with "201 Created" and no body. Listed so that a new bodiless
# success response is a decision, not an accident (see the report: they could return 204).
BODILESS_CREATED = {("post", "/api/v1/users/{handle}/follow/"), ("post", "/api/v1/users/{handle}/block/")}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def api_routes() -> dict[str, set[str]]:
    """{"/api/v1/users/{handle}/": {"get", ...}} from the URL resolver, as drf-spectacular names them."""
    routes: dict[str, set[str]] = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/") and route not in NOT_DOCUMENTED:
                view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                if view_class is None:
                    continue  # the JSON 404 for unknown API paths (config.errors.api_not_found)
                # <int:pk> is documented as {id} (SCHEMA_COERCE_PATH_PK).
                path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m.group(1) == "pk" else f"{{{m.group(1)}}}", route)
                routes[path] = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}

    walk(get_resolver().url_patterns, "")
    return routes


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)  # raises OpenAPIValidationError


def test_every_api_route_and_method_is_documented(schema):
    routes = api_routes()
    assert len(routes) > 20
    documented = {path: {m for m in item if m in ("get", "post", "put", "patch", "delete")} for path, item in schema["paths"].items()}
    assert documented == routes


def test_every_operation_documents_success_and_errors(schema):
    bodiless = set()
    for method, path, operation in operations(schema):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        successes = {code: r for code, r in responses.items() if code.startswith("2")}
        assert successes, f"{where}: no 2xx response"
        with_schema = [code for code, r in successes.items() if r.get("content", {}).get("application/json", {}).get("schema")]
        if not with_schema:
            assert "204" in successes or (method, path) in BODILESS_CREATED, f"{where}: 2xx without a schema ({list(successes)})"
            if "204" not in successes:
                bodiless.add((method, path))
        errors = {code: r for code, r in responses.items() if code.startswith("4")}
        assert {"400", "401", "403", "404", "429"} <= set(errors), f"{where}: {sorted(errors)}"
        for code, response in errors.items():
            body = response["content"]["application/json"]["schema"]
            assert body == {"$ref": ERROR_REF} or body["allOf"][0] == {"$ref": ERROR_REF}, f"{where} {code}"
        assert operation.get("summary"), f"{where}: no summary"
    assert bodiless == BODILESS_CREATED


def test_error_component_is_the_one_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "extra"}
    assert set(error["required"]) == {"code", "message", "extra"}


def test_security_declares_who_may_call(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiToken"] == {"type": "http", "scheme": "bearer", "description": schemes["apiToken"]["description"]}
    assert schemes["cookieAuth"]["in"] == "cookie"
    for method, path, operation in operations(schema):
        anonymous_allowed = {} in operation["security"]
        public = (path in PUBLIC and method == "get") or (method, path) in PUBLIC_WRITES
        assert anonymous_allowed is public, f"{method.upper()} {path}"


@pytest.mark.parametrize(("path", "marker"), [("/api/v1/docs/", "swagger-ui"), ("/api/v1/redoc/", "redoc")])
def test_docs_pages_load_everything_from_our_own_static_files(path, marker):
    response = APIClient().get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    if "?script=" in page:  # Swagger UI's split view: its start-up script is a file of its own (no inline script)
        page += APIClient().get(path + "?script=").content.decode()
    assert marker in page and "/api/v1/schema/" in page
    # offline-complete: no CDN, and every script and stylesheet the page names is one we serve
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page), "a CDN or another host"
    assets = re.findall(r"/static/(drf_spectacular_sidecar/[^\"' ]+)", page)
    assert assets and all(finders.find(asset) for asset in assets), assets


def test_spectacular_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.")


def test_error_codes_are_an_enum_in_the_schema(schema):
    from config.errors import error_codes

    components = schema["components"]["schemas"]
    assert components["Error"]["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}
    assert components["ErrorCode"]["enum"] == error_codes()
    assert {"invalid", "throttled", "not_authenticated", "room_full", "guild_full"} <= set(error_codes())


def test_each_endpoint_lists_the_error_codes_it_can_answer_with(schema):
    def codes(path, method, status="400"):
        body = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
        [shape, narrowed] = body["allOf"]
        assert shape == {"$ref": "#/components/schemas/Error"}
        return set(narrowed["properties"]["code"]["enum"])

    room_join, guild_join = codes("/api/v1/rooms/{code}/join/", "post"), codes("/api/v1/guilds/{slug}/join/", "post")
    assert {"invalid", "throttled", "room_full"} <= room_join and "guild_full" not in room_join  # rooms calls no guild
    assert {"guild_full", "room_full"} <= guild_join  # guild rooms go through rooms' services
    assert "not_authenticated" in codes("/api/v1/me/", "get", "401")


def test_room_defaults_are_documented_on_me_and_optional_on_room_create(schema):
    components = schema["components"]["schemas"]
    create = components["RoomCreateRequest"]
    assert {"visibility", "is_mic_enabled", "playback_control", "chat_mode"}.isdisjoint(create.get("required", []))
    me_update = components["PatchedMeUpdateRequest"]["properties"]
    assert me_update["room_chat_mode"] == {"$ref": "#/components/schemas/ChatModeEnum"}
    assert create["properties"]["chat_mode"]["allOf"][0] == {"$ref": "#/components/schemas/ChatModeEnum"}
    assert {"room_visibility", "room_mic_enabled", "room_playback_control", "room_chat_mode"} <= set(
        components["Me"]["properties"])
    body = schema["paths"]["/api/v1/me/"]["patch"]["responses"]["400"]["content"]["application/json"]["schema"]
    assert "room_defaults_invalid" in body["allOf"][1]["properties"]["code"]["enum"]
