"""A Web Push service stand-in on loopback, and a browser's side of a subscription.

The service accepts the push POST (RFC 8030) and answers with whatever status the test queues for
it (201 by default, or after a delay); `message()` then checks it as a real push service and browser
would: the VAPID JWT (RFC 8292: ES256 signature against our public key, aud, exp, sub) and the
aes128gcm payload (RFC 8291), decrypted with the browser's private key.
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's push subscription: a real P-256 key pair and auth secret, and its endpoint."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def to_json(self) -> dict:
        """What PushSubscription.toJSON() gives the page."""
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


class FakePushService:
    def __init__(self):
        self.received: list[Received] = []
        self.answers: dict[str, list[tuple[int, float]]] = {}  # path -> [(status, delay)], consumed in order
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                service.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                queued = service.answers.get(self.path)
                status, delay = queued.pop(0) if queued else (201, 0.0)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def browser(self, name: str) -> Browser:
        return Browser(endpoint=f"{self.origin}/push/{name}")

    def answer(self, browser: Browser, *statuses: int, delay: float = 0.0) -> None:
        self.answers.setdefault(browser.endpoint.removeprefix(self.origin), []).extend((s, delay) for s in statuses)

    def to(self, browser: Browser) -> list[Received]:
        return [r for r in self.received if self.origin + r.path == browser.endpoint]

    def message(self, request: Received, browser: Browser) -> dict:
        """Check the request as the push service and the browser would, and return the decrypted JSON."""
        scheme, _, params = request.headers["authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.split("=", 1) for part in params.split(","))
        assert fields["k"] == settings.VAPID_PUBLIC_KEY  # the key browsers subscribed with
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
        claims = jwt.decode(fields["t"], public_key, algorithms=["ES256"], audience=self.origin,
                            options={"require": ["aud", "exp", "sub"]})  # signature, aud and exp checked here
        assert claims["exp"] <= time.time() + 24 * 3600  # RFC 8292: at most 24 h ahead
        assert claims["sub"] == settings.VAPID_SUBJECT
        assert request.headers["content-encoding"] == "aes128gcm"
        assert int(request.headers["ttl"]) == settings.WEB_PUSH_TTL
        plain = http_ece.decrypt(request.body, private_key=browser.private_key, auth_secret=browser.auth_secret,
                                 version="aes128gcm")
        return json.loads(plain)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
