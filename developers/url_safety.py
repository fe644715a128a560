"""Where a webhook may be delivered: never inside our network (SSRF).

In production (WEBHOOKS_REFUSE_PRIVATE_ADDRESSES, on unless DEBUG) every address a host resolves to must be
global: loopback, private, link-local (169.254.169.254, the cloud metadata service, included), shared,
reserved and multicast addresses are refused. The check runs on each hop of a redirect, and the request is
sent to the very address that was checked (the TLS certificate still verified for the host name), so a
name that resolves differently a moment later (DNS rebinding) gets nowhere either.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from requests.adapters import HTTPAdapter


class UnsafeUrl(Exception):
    """The URL is not one we deliver to; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked IP address the request goes to

    @property
    def pinned_origin(self) -> str:
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{address}:{self.port}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def address_refusal(address: str) -> str | None:
    """Why `address` is no place to deliver to, or None for a public address."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for reason in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{reason}"):
            return reason.replace("_", "-")
    return None if ip.is_global else "not-global"


def target_resolve(url: str) -> Target:
    """The URL's host, resolved and checked; raises UnsafeUrl."""
    parts = urlsplit(url)
    refuse_private = settings.WEBHOOKS_REFUSE_PRIVATE_ADDRESSES
    allowed_schemes = ("https",) if refuse_private else ("https", "http")
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise UnsafeUrl("The URL must be https://<host>/….")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)]
    except (OSError, UnicodeError) as exc:
        raise UnsafeUrl(f"{parts.hostname} does not resolve.") from exc
    if refuse_private:
        for address in addresses:
            if reason := address_refusal(address):
                raise UnsafeUrl(f"{parts.hostname} leads to a {reason} address ({address}).")
    return Target(parts.scheme, parts.hostname, port, addresses[0])


class PinnedHostAdapter(HTTPAdapter):
    """Connects to a Target's checked address while TLS verifies the certificate for its host name."""

    def __init__(self, host: str):
        self.host = host
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(server_hostname=self.host, assert_hostname=self.host)
        super().init_poolmanager(*args, **kwargs)
