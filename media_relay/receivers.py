"""What the relay's platform side does when other apps announce facts (connected in apps.ready)."""

from django.dispatch import receiver

from accounts.signals import session_ended
from rooms.signals import room_closed

from .recordings import recording_stop_for_closed_room
from .services import relay_session_ended


@receiver(room_closed, dispatch_uid="media_relay.recording_stop_for_closed_room")
def stop_the_recording_of_a_closed_room(sender, *, room, **kwargs) -> None:
    recording_stop_for_closed_room(room=room)


@receiver(session_ended, dispatch_uid="media_relay.relay_session_ended")
def drop_the_voice_of_an_ended_session(sender, *, user_id, **kwargs) -> None:
    relay_session_ended(user_id=user_id)
