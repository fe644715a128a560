"""Every 429 says when to come back: allauth's own (accounts/rate_limits.py) as well as the API's.
Through daphne: tests/e2e/test_server_edges.py."""

import pytest
from django.urls import reverse

from accounts.rate_limits import retry_after_seconds
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip", "signup": "1/90s/ip", "reset_password": "1/2m/ip,1/30s/key"}


@pytest.mark.parametrize(("url_name", "data", "retry_after"), [
    ("account_login", {"login": "nobody@example.com", "password": "wrong"}, 60),
    ("account_signup", {"email": "n@example.com", "username": "n_1", "password1": "x", "password2": "y"}, 90),
    ("account_reset_password", {"email": "nobody@example.com"}, 120),
])
def test_allauths_429_carries_retry_after_of_the_actions_longest_window(client, tight_limits, url_name, data, retry_after):
    statuses = [client.post(reverse(url_name), data).status_code for _ in range(3)]
    response = client.post(reverse(url_name), data)

    assert 429 in statuses and response.status_code == 429
    assert response["Retry-After"] == str(retry_after)


def test_a_page_without_a_known_action_gets_the_longest_window_of_all(tight_limits):
    assert retry_after_seconds(None) == 300  # allauth's default login_failed limit, 5/300s/key
    assert retry_after_seconds("account_login") == 60


def test_failed_logins_stay_a_form_error_not_a_429(client):
    user = UserFactory()
    for _ in range(6):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    assert response.status_code == 200 and "Too many failed login attempts" in response.content.decode()
