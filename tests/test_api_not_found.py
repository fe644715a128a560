"""An unknown /api/v1/ path answers a 404 in the error shape for every method (config.errors.api_not_found).

Found by schemathesis (tests/e2e/test_schemathesis.py): a POST whose path parameter matched no route
(a slug with a space) got Django's HTML CSRF failure page, as the catch-all was not CSRF-exempt."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_an_unknown_api_path_is_a_json_404_whatever_the_method(method):
    response = getattr(Client(enforce_csrf_checks=True), method)("/api/v1/guilds/not a slug/join/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_newline_in_an_unknown_api_path_is_a_json_404_too():
    # schemathesis sent PATCH /api/v1/channels/<a slug with a newline>/: the catch-all's `.` stopped at it
    response = Client().patch("/api/v1/channels/a%0Ab/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
