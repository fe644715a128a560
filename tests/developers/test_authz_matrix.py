"""Authorization matrix for developers (RELIABILITY item 12): webhooks × every kind of caller.

Olive owns a webhook with one delivery. Webhooks are private to their owner (another user gets 404),
and an OAuth app needs the `webhooks` scope to see or change them, reads included. The machinery is
tests/authz.py.
"""

from types import SimpleNamespace
from unittest import mock

import pytest

from accounts.services.tokens import api_token_create
from developers.models import Webhook, WebhookDelivery
from developers.services import webhook_create
from tests.accounts.factories import UserFactory
from tests.authz import (
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    caller,
    expect,
    ids,
    matrix_params,
    perform,
)

pytestmark = pytest.mark.django_db

SCOPE = "webhooks"
H = "/webhooks/{w.webhook.pk}"


@pytest.fixture(autouse=True)
def no_celery_and_no_dns(settings):
    settings.WEBHOOKS_REFUSE_PRIVATE_ADDRESSES = False
    with mock.patch("developers.tasks.deliver_webhook.delay"):
        yield


@pytest.fixture
def w():
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, owner=olive, other=UserFactory(handle="otto"))
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.webhook = webhook_create(owner=olive, url="http://127.0.0.1:9/hook", events=["stream.online"])
    w.delivery = WebhookDelivery.objects.create(webhook=w.webhook, message_id="msg_matrix", event="stream.online",
                                                payload={"type": "stream.online", "data": {}}, status="failed")
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def check_listed(w, role, response):
    assert (w.webhook.pk in ids(response)) is as_owner(role)


def check_created(w, role, response):
    assert Webhook.objects.get(pk=response.json()["id"]).owner == caller(w, role)
    assert response.json()["secret"].startswith("whsec_")


def check_deleted(w, role, response):
    assert not Webhook.objects.filter(pk=w.webhook.pk).exists()


def check_resent(w, role, response):
    assert WebhookDelivery.objects.get(pk=w.delivery.pk).status == "pending"


CASES = [
    Case("api-webhooks", "get", "/webhooks/", expect(owner=200), scope=SCOPE, check=check_listed),
    Case("api-webhooks", "post", "/webhooks/", expect(owner=201), scope=SCOPE, check=check_created,
         data={"url": "http://127.0.0.1:9/new", "events": ["channel.follow"]}),
    Case("api-webhook", "get", H + "/", expect(owner=200, other=404), scope=SCOPE),
    Case("api-webhook", "delete", H + "/", expect(owner=204, other=404), scope=SCOPE, check=check_deleted),
    Case("api-webhook-deliveries", "get", H + "/deliveries/", expect(owner=200, other=404), scope=SCOPE),
    Case("api-webhook-delivery-resend", "post", H + "/deliveries/{w.delivery.pk}/resend/",
         expect(owner=202, other=404), scope=SCOPE, check=check_resent),
]


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    before = sorted(Webhook.objects.values_list("pk", "owner_id"))
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not succeeded:
        assert sorted(Webhook.objects.values_list("pk", "owner_id")) == before
        if role == "oauth_read":
            assert response.json() == {"code": "scope_missing", "message": "This token lacks the webhooks scope.",
                                       "extra": {"required": "webhooks"}}


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("developers", CASES, at_least=6)


@pytest.mark.parametrize("name, method, route", anonymous_params("developers"))
def test_anonymous_is_refused(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=set(), fill="x")
