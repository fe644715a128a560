"""An OAuth app and the authorization code flow with PKCE, as a third party runs it (tests' helpers)."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from oauth2_provider.models import Application

REDIRECT_URI = "https://bot.example/callback"


def register_app(developer, *, name: str = "Chat bot") -> tuple[Application, str]:
    """A confidential app and its client secret (stored hashed, so returned here)."""
    secret = secrets.token_urlsafe(32)
    app = Application.objects.create(user=developer, name=name, client_type=Application.CLIENT_CONFIDENTIAL,
                                     authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                                     redirect_uris=REDIRECT_URI, client_secret=secret)
    return app, secret


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(app: Application, scope: str, challenge: str) -> dict:
    return {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT_URI, "scope": scope,
            "code_challenge": challenge, "code_challenge_method": "S256", "state": "xyz"}


def code_from(location: str) -> str:
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"], location
    return query["code"][0]


def exchange(app: Application, secret: str, **fields) -> dict:
    """POST /oauth/token/ as the app's server; the JSON answer."""
    response = Client().post("/oauth/token/", {"client_id": app.client_id, "client_secret": secret, **fields})
    return {"status": response.status_code, **response.json()}
