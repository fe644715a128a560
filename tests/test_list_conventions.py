"""Every list of /api/v1/ follows one filtering and ordering convention (config/filters.py).

A new list route fails here until its view mixes in ListConventions and declares its FilterSet (or
`filterset_fields = ()`) and its `ordering_fields` allow-list (or `()` for a fixed order).
"""

import re

import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from config.filters import ListConventions
from developers.models import Webhook, WebhookDelivery
from tests.accounts.factories import UserFactory
from tests.api import assert_error, signed_in
from tests.guilds.factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def view_of(path: str) -> type:
    """The view class serving the schema's `path` (placeholders filled as ids, else as slugs)."""
    for fill in ("1", "x1"):
        callback = resolve(re.sub(r"\{[^}]+\}", fill, path)).func
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if view is not None:
            return view
    raise AssertionError(f"no view serves {path}")


def list_operations(schema) -> dict[str, tuple[dict, type]]:
    """{operationId: (operation, view class)} for every GET that answers a list (an array or a page of one)."""
    found = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if body.get("type") == "array" or body.get("$ref", "").startswith("#/components/schemas/Paginated"):
            found[operation["operationId"]] = (operation, view_of(path))
    return found


def test_every_list_operation_declares_its_filters_and_ordering(schema):
    lists = list_operations(schema)
    assert len(lists) >= 41
    undeclared = sorted(op_id for op_id, (_, view) in lists.items()
                        if not issubclass(view, ListConventions) or not hasattr(view, "ordering_fields")
                        or not (hasattr(view, "filterset_class") or hasattr(view, "filterset_fields")))
    assert undeclared == []


def test_the_schema_documents_each_lists_ordering_allow_list(schema):
    for op_id, (operation, view) in list_operations(schema).items():
        params = {param["name"]: param for param in operation.get("parameters", [])}
        if view.ordering_fields:
            documented = set(params["ordering"]["schema"]["items"]["enum"])
            assert documented == {f"{sign}{field}" for field in view.ordering_fields for sign in ("", "-")}, op_id
        else:
            assert "ordering" not in params, op_id
        if getattr(view, "filterset_class", None):
            assert set(view.filterset_class.base_filters) <= set(params), op_id


def test_ordering_follows_the_allow_list_and_refuses_anything_else():
    GuildFactory(name="Bravo")
    GuildFactory(name="Alpha")
    GuildFactory(name="Charlie")
    client = APIClient()
    client.force_authenticate(UserFactory())

    assert [g["name"] for g in client.get(f"{API}/guilds/?ordering=name").json()["results"]] == ["Alpha", "Bravo", "Charlie"]
    assert [g["name"] for g in client.get(f"{API}/guilds/?ordering=-name").json()["results"]] == ["Charlie", "Bravo", "Alpha"]
    body = assert_error(client.get(f"{API}/guilds/?ordering=name,secret"), 400, "invalid_ordering")
    assert body["extra"]["fields"] == {"ordering": ["secret"]} and "name" in body["extra"]["allowed"]
    assert_error(client.get(f"{API}/guilds/?ordering="), 400, "invalid_ordering")


def test_a_fixed_order_list_refuses_any_ordering():
    assert_error(APIClient().get(f"{API}/clips/?ordering=created_at"), 400, "invalid_ordering")  # a plain APIView
    user = UserFactory()
    guild = GuildFactory()
    add_member(guild, user)
    assert_error(signed_in(user).get(f"{API}/guilds/{guild.slug}/members/?ordering=role"), 400, "invalid_ordering")


def test_a_filter_value_that_does_not_parse_is_a_400():
    GuildFactory(name="Secret Club", is_public=False)
    client = signed_in(UserFactory())
    assert [g["name"] for g in client.get(f"{API}/guilds/?is_public=false").json()["results"]] == ["Secret Club"]
    body = assert_error(client.get(f"{API}/guilds/?is_public=maybe"), 400, "invalid_filter")
    assert list(body["extra"]["fields"]) == ["is_public"]


def test_webhook_deliveries_filter_by_status_and_event():
    owner = UserFactory()
    webhook = Webhook.objects.create(owner=owner, url="https://hooks.example.com/x", events=["stream.online"], secret="whsec_x")
    for n, (event, status) in enumerate([("stream.online", "failed"), ("stream.offline", "succeeded")]):
        WebhookDelivery.objects.create(webhook=webhook, message_id=f"msg_{n}", event=event, payload={}, status=status)
    client = signed_in(owner)
    url = f"{API}/webhooks/{webhook.pk}/deliveries/"

    assert [d["event"] for d in client.get(f"{url}?status=failed").json()["results"]] == ["stream.online"]
    assert [d["event"] for d in client.get(f"{url}?event=stream.offline").json()["results"]] == ["stream.offline"]
    assert [d["event"] for d in client.get(f"{url}?ordering=created_at").json()["results"]] == ["stream.online", "stream.offline"]
    assert_error(client.get(f"{url}?status=lost"), 400, "invalid_filter")


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "١٢"])
def test_history_paging_takes_message_ids_only(value):
    user = UserFactory()
    guild = GuildFactory()
    add_member(guild, user)
    body = assert_error(signed_in(user).get(f"{API}/guilds/{guild.slug}/messages/?after={value}"), 400, "invalid")
    assert list(body["extra"]["fields"]) == ["after"]
