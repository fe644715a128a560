"""SRTP on cascading pipes (media_relay.sfu.cascade): every datagram between two workers is protected.

Keys: **no key travels**. Both workers hold the shared relay secret (it signs the edge's pipe token,
media_relay.relay_settings.relay_token_secret); each pipe's keys are derived from it with HMAC-SHA256 over
the room, the edge's pipe peer id and two fresh nonces, one sent by each end on the control channel
(``pipe`` {nonce} and ``piped`` {nonce}). A new pipe (a reconnect, the same room again) gets new keys, so
an SRTP index never repeats under one key; each direction has its own key. Whoever sees the control
channel learns the nonces, not the keys.

Profile: AEAD_AES_128_GCM (RFC 7714; 16 bytes of tag per packet, about 6 µs per packet each way on this
machine through libsrtp / pylibsrtp, which aiortc already depends on). The sending side allows a repeated
index (``allow_repeat_tx``): a NACKed packet is resent from the origin's history with its own sequence
number. The receiving side's replay window drops duplicates; a datagram that does not authenticate (a
stranger's, a wrong key, plain RTP) is dropped and counted in ``rejected``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiortc.rtp import is_rtcp
from pylibsrtp import Error, Policy, Session

PROFILE = Policy.SRTP_PROFILE_AEAD_AES_128_GCM
KEY_BYTES = 28  # AES-128 key (16) + GCM salt (12)
NONCE_BYTES = 16
REPLAY_WINDOW = 1024  # packets; a NACK answered from history arrives within it
LABEL = b"watchtogether pipe srtp v1"
ORIGIN_TO_EDGE, EDGE_TO_ORIGIN = b"origin->edge", b"edge->origin"


def pipe_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


def pipe_key(secret: bytes, *, direction: bytes, room: str, edge_peer: str, edge_nonce: str,
             origin_nonce: str) -> bytes:
    """One direction's SRTP master key and salt."""
    info = b"\x00".join([LABEL, direction, room.encode(), edge_peer.encode(), edge_nonce.encode(),
                         origin_nonce.encode()])
    return hmac.new(secret, info, hashlib.sha256).digest()[:KEY_BYTES]


class PipeSrtp:
    """One end's SRTP sessions: ``protect`` what it sends, ``unprotect`` what it receives (None: dropped)."""

    def __init__(self, *, send_key: bytes, receive_key: bytes) -> None:
        outbound = Policy(key=send_key, ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=PROFILE)
        outbound.allow_repeat_tx = True
        outbound.window_size = REPLAY_WINDOW
        inbound = Policy(key=receive_key, ssrc_type=Policy.SSRC_ANY_INBOUND, srtp_profile=PROFILE)
        inbound.window_size = REPLAY_WINDOW
        self._tx, self._rx = Session(outbound), Session(inbound)
        self.rejected = 0

    @classmethod
    def for_end(cls, secret: bytes, *, origin: bool, room: str, edge_peer: str, edge_nonce: str,
                origin_nonce: str) -> PipeSrtp:
        keys = {direction: pipe_key(secret, direction=direction, room=room, edge_peer=edge_peer,
                                    edge_nonce=edge_nonce, origin_nonce=origin_nonce)
                for direction in (ORIGIN_TO_EDGE, EDGE_TO_ORIGIN)}
        if origin:
            return cls(send_key=keys[ORIGIN_TO_EDGE], receive_key=keys[EDGE_TO_ORIGIN])
        return cls(send_key=keys[EDGE_TO_ORIGIN], receive_key=keys[ORIGIN_TO_EDGE])

    def protect(self, data: bytes) -> bytes:
        return self._tx.protect_rtcp(data) if is_rtcp(data) else self._tx.protect(data)

    def unprotect(self, data: bytes) -> bytes | None:
        try:
            return self._rx.unprotect_rtcp(data) if is_rtcp(data) else self._rx.unprotect(data)
        except Error:
            self.rejected += 1
            return None
