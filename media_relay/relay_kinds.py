"""The kinds of relay room the platform issues, each with its own source of rights.

A relay room is named ``<prefix><id>``: ``room-<id>`` for a rooms.Room's voice (registered here,
media_relay.selectors), ``stream-<id>`` for a live stream (registered by the streams app in its
AppConfig.ready). A kind says, for one object id:

* ``rights(id)``: its live rights (a ``MediaRights``), read from the database by the relay's platform
  link (media_relay.platform.RoomLink) for ``authorize`` and to reconcile the peers in the relay;
* ``groups(id)``: the channel-layer groups whose events make the link re-read those rights while the
  relay room is hosted (a closed room, a removed member, a revoked key take effect at once);
* ``key_prefix`` and ``key_holder(key)``: the stream keys of this kind (WHIP, RTMP) and who publishes
  where with one (``KeyHolder``); raising ApplicationError(STREAM_KEY_INVALID / _REVOKED) says why not.

media_relay never imports the apps above it: they hand it these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .sfu.peers import PEER_SUFFIX_SEPARATOR

if TYPE_CHECKING:
    from accounts.models import User


class MediaRights(Protocol):
    """What the relay asks of one relay room's rights (media_relay.selectors.RoomMediaRights is one)."""

    is_open: bool
    recording_id: int | None

    def perms_for(self, peer_id: str, *, session: str = "") -> frozenset[str]: ...

    def knows(self, peer_id: str, session: str) -> bool: ...


@dataclass(frozen=True)
class KeyHolder:
    """Who publishes with a stream key, and into which relay room."""

    user: User
    relay_room: str

    @property
    def user_id(self) -> int:
        return self.user.pk


@dataclass(frozen=True)
class RelayRoomKind:
    prefix: str  # "room-", "stream-"
    rights: Callable[[int], MediaRights]
    groups: Callable[[int], tuple[str, ...]]
    key_prefix: str = ""
    key_holder: Callable[[str], KeyHolder] | None = None

    def name(self, object_id: int) -> str:
        return f"{self.prefix}{object_id}"


_kinds: dict[str, RelayRoomKind] = {}


def relay_kind_register(kind: RelayRoomKind) -> None:
    """Add a kind (an AppConfig.ready). Prefixes end with "-" and are distinct, so are key prefixes."""
    if not kind.prefix.endswith("-") or PEER_SUFFIX_SEPARATOR in kind.prefix:
        raise ValueError(f"relay room prefix {kind.prefix!r} must end with '-'")
    if kind.prefix in _kinds and _kinds[kind.prefix] != kind:
        raise ValueError(f"relay room kind {kind.prefix!r} is registered twice")
    if kind.key_prefix and any(k.key_prefix == kind.key_prefix and k.prefix != kind.prefix for k in _kinds.values()):
        raise ValueError(f"stream key prefix {kind.key_prefix!r} is taken")
    _kinds[kind.prefix] = kind


def relay_room_parse(name: str) -> tuple[RelayRoomKind, int] | None:
    """The kind and object id of a relay room name, or None for a name the platform never issues."""
    prefix, dash, digits = name.partition("-")
    kind = _kinds.get(prefix + dash)
    if kind is None or not digits.isdigit() or digits != str(int(digits)):
        return None
    return kind, int(digits)


def relay_kind_for_key(key: str) -> RelayRoomKind | None:
    """The kind whose stream keys look like `key` (by prefix), None if no kind takes it."""
    return next((k for k in _kinds.values() if k.key_prefix and k.key_holder and key.startswith(k.key_prefix)), None)
