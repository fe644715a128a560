"""Why the server ends the sockets an event reaches.

A service publishes the reason with the event (config.realtime.publish_on_commit); the socket
layer maps it to a WebSocket close code (config.ws.CLOSE_CODES). Services never see close codes.
"""

from enum import StrEnum


class Disconnect(StrEnum):
    FORBIDDEN = "forbidden"  # no longer allowed here: kicked, banned
    GONE = "gone"  # the room or guild closed
    BANNED = "banned"  # the account was suspended (a platform ban): sessions end, sockets close for good
    SESSION_ENDED = "session_ended"  # signed in elsewhere, signed out, account deactivated
    RESYNC = "resync"  # an event may have been lost (Redis): reconnect, then resync from the database
