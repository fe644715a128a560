"""What a peer may be allowed to do in a relay room (asked of ``authorize``, listed in tokens).

Kept apart from signalling.py so the platform side (token endpoint) can name the actions
without importing aiortc.
"""

import enum


class Action(enum.StrEnum):
    JOIN = "join"
    PUBLISH_AUDIO = "publish_audio"
    PUBLISH_VIDEO = "publish_video"
    SUBSCRIBE = "subscribe"
    MUTE_OTHERS = "mute_others"
    KICK = "kick"
    PIPE = "pipe"  # another relay worker pulling the room's producers (media_relay.sfu.cascade)
