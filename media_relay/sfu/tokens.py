"""Bearer tokens the platform issues for the relay's signalling endpoint.

Format: ``v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "v1." + claims part))>``.
Claims: ``room`` (str), ``peer`` (str: the user id), ``name`` (display name),
``perms`` (list of actions: see media_relay.sfu.signalling.Action), ``exp`` (unix seconds),
``sid`` (the fingerprint of the Django session the token was asked with, "" for an API token:
the relay drops the peer when that session ends; media_relay.platform).

The Django side issues them (media_relay.sfu.conf.relay_token_secret() gives the secret);
the relay verifies them with no database access. Short-lived (minutes): a token only
admits a peer to one room; rights can be narrowed later through ``authorize``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

VERSION = "v1"
MAX_TOKEN_LENGTH = 4096


class TokenError(ValueError):
    pass


@dataclass(frozen=True)
class TokenClaims:
    room: str
    peer: str
    name: str = ""
    perms: frozenset[str] = field(default_factory=frozenset)
    exp: int = 0
    session: str = ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, signed_part: str) -> str:
    return _b64(hmac.new(secret, signed_part.encode(), hashlib.sha256).digest())


def issue_token(
    *,
    secret: bytes,
    room: str,
    peer: str,
    perms: list[str] | set[str],
    name: str = "",
    session: str = "",
    ttl: int = 300,
    now: float | None = None,
) -> str:
    claims = {"room": room, "peer": peer, "name": name, "perms": sorted(perms), "exp": int((now or time.time()) + ttl)}
    if session:
        claims["sid"] = session
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signed_part = f"{VERSION}.{body}"
    return f"{signed_part}.{_sign(secret, signed_part)}"


def verify_token(token: str, *, secret: bytes, now: float | None = None) -> TokenClaims:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("malformed token")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise TokenError("malformed token")
    if not hmac.compare_digest(_sign(secret, f"{parts[0]}.{parts[1]}"), parts[2]):
        raise TokenError("bad signature")
    try:
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("malformed claims") from exc
    if not isinstance(claims, dict):
        raise TokenError("malformed claims")
    room, peer, name, perms, exp, session = (claims.get(k) for k in ("room", "peer", "name", "perms", "exp", "sid"))
    if not (isinstance(room, str) and room and isinstance(peer, str) and peer and isinstance(exp, int)):
        raise TokenError("missing claims")
    if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
        raise TokenError("bad perms")
    if exp < (now or time.time()):
        raise TokenError("expired")
    return TokenClaims(
        room=room, peer=peer, name=name if isinstance(name, str) else "", perms=frozenset(perms), exp=exp,
        session=session if isinstance(session, str) else "",
    )


def session_fingerprint(session_key: str, *, secret: bytes) -> str:
    """What a token says of the session it was asked with: never the key itself (the token is
    readable by the page's scripts, the session cookie is not)."""
    return hmac.new(secret, b"session:" + session_key.encode(), hashlib.sha256).hexdigest()[:32]
