"""Remote ICE candidates the relay may send to: in production, never private addresses.

A browser lists every address it has (LAN, loopback, link-local, VPN); a relay on a public
address that took them at their word would send STUN checks and media into its own private
network on a peer's say-so. With MEDIA_RELAY_ALLOW_PRIVATE_PEERS off (the default when
DEBUG is off) such candidates are dropped from every description and trickled candidate a
peer sends; the peer is reached on its public (server-reflexive or TURN) candidates, or
on the address its checks come from. TURN (coturn) is held to the same rule by its
`denied-peer-ip` ranges (docs/media_relay.md).
"""

from __future__ import annotations

import ipaddress


def is_private_address(address: str) -> bool:
    """Anything but a public unicast IP; hostnames (mDNS `<uuid>.local`) count as private."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return True
    return not ip.is_global or ip.is_multicast


def candidate_address(candidate: str) -> str:
    """The connection address of an ICE candidate attribute (`candidate:<foundation> <component>
    <transport> <priority> <address> <port> typ ...`, with or without `a=` / `candidate:`)."""
    fields = candidate.removeprefix("a=").removeprefix("candidate:").split()
    return fields[4] if len(fields) > 4 else ""


def without_private_candidates(sdp: str) -> str:
    lines = sdp.split("\r\n")
    kept = [line for line in lines if not (line.startswith("a=candidate:") and is_private_address(candidate_address(line)))]
    return "\r\n".join(kept)
