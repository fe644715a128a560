"""Error codes of the media relay's signalling (one error shape: code, message, extra)."""

from __future__ import annotations

import enum
from typing import Any


class RelayErrorCode(enum.StrEnum):
    INVALID_JSON = "invalid_json"  # the frame is not JSON
    INVALID_MESSAGE = "invalid_message"  # not an object, or no string "type"
    UNKNOWN_TYPE = "unknown_type"  # no handler for "type"; extra.known lists them
    INVALID = "invalid"  # fields don't match the type's shape; extra.fields says which
    MESSAGE_TOO_LARGE = "message_too_large"  # over the per-message limit; extra.limit
    RATE_LIMITED = "rate_limited"  # too many messages per second
    NOT_JOINED = "not_joined"  # the message needs a joined room
    ALREADY_JOINED = "already_joined"
    ROOM_MISMATCH = "room_mismatch"  # join for a room the token was not issued for
    ROOM_FULL = "room_full"
    FORBIDDEN = "forbidden"  # authorize(peer, action) said no; extra.action
    MUTED_BY_MODERATOR = "muted_by_moderator"  # self-unmute while a moderator muted you
    PRODUCER_NOT_FOUND = "producer_not_found"  # extra.producer_id
    PEER_NOT_FOUND = "peer_not_found"  # extra.peer_id
    INVALID_SDP = "invalid_sdp"  # the SDP could not be applied; extra.pc
    UNSUPPORTED_CODEC = "unsupported_codec"  # only Opus audio, VP8 / H.264 video
    TOO_MANY = "too_many"  # per-peer producer / consumer limits; extra.limit
    NEGOTIATION_PENDING = "negotiation_pending"  # an answer arrived with no offer outstanding
    # WHIP / WHEP (HTTP, media_relay.sfu.whip)
    UNAUTHORIZED = "unauthorized"  # missing, forged, expired or revoked bearer token / stream key
    NOT_FOUND = "not_found"  # no such WHIP / WHEP resource
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # the body is not application/sdp


class MediaError(enum.StrEnum):
    """The platform's relay API: stream keys (media_relay.stream_keys) and recordings (.recordings)."""

    NOT_LEADER = "not_room_leader"  # only the room's leader holds its stream key and records it
    STREAM_KEY_NOT_FOUND = "stream_key_not_found"  # no live key to revoke
    STREAM_KEY_INVALID = "stream_key_invalid"
    STREAM_KEY_REVOKED = "stream_key_revoked"
    RECORDING_GOING = "recording_in_progress"  # the room is already being recorded
    RECORDING_NOT_FOUND = "recording_not_found"  # nothing is being recorded


class RelayError(Exception):
    """An application error: becomes an error frame to the offending peer only."""

    def __init__(self, code: RelayErrorCode, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}

    def as_message(self) -> dict[str, Any]:
        return {"type": "error", "code": str(self.code), "message": self.message, "extra": self.extra}
