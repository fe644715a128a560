"""Calling /api/v1/ in tests, and the one error shape every refusal must have."""

from rest_framework.test import APIClient


def signed_in(user) -> APIClient:
    """A browser-like client: session cookie (the login signal records the device session)."""
    client = APIClient()
    client.force_login(user)
    return client


def assert_error(response, status: int, code: str) -> dict:
    """Every API error: exactly {code, message, extra}, message a non-empty string, extra an object."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"code", "message", "extra"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["extra"], dict), body
    return body
