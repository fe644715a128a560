"""Sending one signed webhook request: Standard Webhooks headers, the checked address, redirects re-checked."""

import json
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import requests
from standardwebhooks.webhooks import Webhook as Signer

from .url_safety import PinnedHostAdapter, UnsafeUrl, target_resolve

TIMEOUT_S = 10
MAX_REDIRECTS = 3


def signed_headers(*, secret: str, message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    return {"webhook-id": message_id, "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Signer(secret).sign(message_id, sent_at, body),
            "Content-Type": "application/json", "User-Agent": "WatchTogether-Webhooks/1"}


def post_signed(url: str, *, secret: str, message_id: str, sent_at: datetime, payload: dict) -> int:
    """POST the payload to `url`; the final status code. Raises UnsafeUrl, or requests' errors when unreachable."""
    body = json.dumps(payload, separators=(",", ":"))
    headers = signed_headers(secret=secret, message_id=message_id, sent_at=sent_at, body=body)
    for _ in range(MAX_REDIRECTS + 1):
        target = target_resolve(url)
        parts = urlsplit(url)
        with requests.Session() as session:
            session.mount(target.pinned_origin, PinnedHostAdapter(target.host))
            path = parts.path or "/"
            response = session.post(f"{target.pinned_origin}{path}{'?' + parts.query if parts.query else ''}",
                                    data=body.encode(), headers={**headers, "Host": target.host_header},
                                    allow_redirects=False, timeout=TIMEOUT_S)
        if not response.is_redirect:
            return response.status_code
        url = urljoin(url, response.headers["Location"])
    raise UnsafeUrl("Too many redirects.")
