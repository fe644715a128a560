"""The VAPID key pair (RFC 8292) that signs our Web Push requests.

Production sets VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY (docs/notifications.md). The embedded default
generates a pair once and keeps it in a file under var/, so browsers' subscriptions (made with the
public key) stay valid across restarts.
"""

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def generate_pair() -> tuple[str, str]:
    """(private, public): the private scalar (32 bytes) and the uncompressed public point (65 bytes),
    base64url without padding: the forms pywebpush and the browser's applicationServerKey take."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)


def embedded_pair(path: Path) -> tuple[str, str]:
    """The pair kept at `path`, generated on first use."""
    if not path.exists():
        private, public = generate_pair()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"private_key": private, "public_key": public}))
        path.chmod(0o600)
    stored = json.loads(path.read_text())
    return stored["private_key"], stored["public_key"]
