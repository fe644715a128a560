"""Domain signals other apps listen to (gamification, events), sent by rooms services
inside their transactions."""

from django.dispatch import Signal

# kwargs: user, room, seconds (active time just credited), friends_present (int)
watch_time_credited = Signal()
# kwargs: session (a new WatchSession)
watch_session_started = Signal()
# kwargs: message (a new ChatMessage)
chat_message_sent = Signal()
# kwargs: member (a new RoomMember)
room_joined = Signal()
# kwargs: room (just closed: closed_at set, members gone)
room_closed = Signal()
