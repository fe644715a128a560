"""The rooms' voice as a relay room kind (media_relay.relay_kinds): ``room-<id>``, rights from the
room's membership, following the room's group and the relay's own, with the rooms' WHIP keys."""

from rooms.events import room_group

from .events import relay_group
from .relay_kinds import RelayRoomKind
from .selectors import RELAY_ROOM_PREFIX, room_media_rights
from .stream_keys import KEY_PREFIX, room_key_holder

ROOM_KIND = RelayRoomKind(
    prefix=RELAY_ROOM_PREFIX,
    rights=lambda room_id: room_media_rights(room_id=room_id),
    groups=lambda room_id: (room_group(room_id), relay_group(room_id)),
    key_prefix=KEY_PREFIX,
    key_holder=room_key_holder,
)
