"""Signup, verification, login rate limits and the admin door, through allauth's real views."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import DeviceSession, User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signup(client, **fields):
    data = {"email": "new@example.com", "username": "newcomer", "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42", **fields}
    return client.post(reverse("account_signup"), data)


def test_signup_stores_a_lowercase_handle_and_email_and_sends_a_verification_mail(client):
    response = signup(client, email="New@Example.COM", username="@NewComer")

    assert response.status_code == 302
    user = User.objects.get()
    assert (user.handle, user.email) == ("newcomer", "new@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1 and "/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("handle", "message"),
    [("Alice", "@alice is taken"), ("admin", "@admin is reserved"), ("x_fuck_x", "not allowed"), ("ab", "3–30 characters")],
)
def test_signup_refuses_bad_handles_with_a_reason(client, handle, message):
    UserFactory(handle="alice")

    response = signup(client, username=handle)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_unverified_account_cannot_sign_in(client):
    signup(client)
    client.logout()

    response = client.post(reverse("account_login"), {"login": "new@example.com", "password": "a-long-passphrase-42"})

    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_sign_in_records_the_device_session(client):
    user = UserFactory()

    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0")

    session = DeviceSession.objects.get(user=user)
    assert session.session_key == client.session.session_key
    assert session.device == "Chrome on Linux"


def test_failed_logins_are_rate_limited_per_account(client):
    user = UserFactory()
    for _ in range(5):
        assert client.post(reverse("account_login"), {"login": user.email, "password": "wrong"}).status_code == 200

    # Even the right password is refused now, with a reason.
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signups_are_rate_limited_per_ip(client, settings):
    for i in range(10):
        signup(client, email=f"n{i}@example.com", username=f"newcomer_{i}")
        client.logout()

    response = signup(client, email="n10@example.com", username="newcomer_10")

    assert response.status_code == 429
    assert not User.objects.filter(handle="newcomer_10").exists()


def test_the_admin_login_is_allauths_rate_limited_login(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_a_signed_in_non_staff_user_is_refused_by_the_admin(client):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:index")).status_code in (302, 403)
    assert client.get(reverse("admin:login")).status_code == 403
