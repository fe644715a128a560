"""Facts about channels and streams that the apps above act on (vods: recording marks and the VOD at the end;
developers: outgoing webhooks), sent by streams services inside their transactions; a receiver that reaches
outside defers to on_commit."""

from django.dispatch import Signal

# kwargs: stream (just live: started_at set)
stream_went_live = Signal()
# kwargs: stream, changed (the names of the fields that changed: title, category, ...)
stream_updated = Signal()
# kwargs: stream (just ended: ended_at set; its HLS output is being finalized by the relay)
stream_ended = Signal()
# kwargs: follow (a new ChannelFollow)
channel_followed = Signal()
# kwargs: stream (the raiding stream, ending), target (the live stream its watchers are sent to)
stream_raided = Signal()
