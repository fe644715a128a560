"""A live stream as a relay room kind (media_relay.relay_kinds): ``stream-<id>``, rights from the stream
(streams.selectors.stream_media_rights), following ``stream.<id>.relay``, with the channels' stream keys."""

from media_relay.relay_kinds import RelayRoomKind

from .events import stream_relay_group
from .selectors import RELAY_ROOM_PREFIX, stream_media_rights
from .stream_keys import KEY_PREFIX, channel_key_holder

STREAM_KIND = RelayRoomKind(
    prefix=RELAY_ROOM_PREFIX,
    rights=lambda stream_id: stream_media_rights(stream_id=stream_id),
    groups=lambda stream_id: (stream_relay_group(stream_id),),
    key_prefix=KEY_PREFIX,
    key_holder=channel_key_holder,
)
