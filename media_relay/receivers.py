"""What the relay's platform side does when other apps announce facts (connected in apps.ready)."""

from django.dispatch import receiver

from rooms.signals import room_closed

from .recordings import recording_stop_for_closed_room


@receiver(room_closed, dispatch_uid="media_relay.recording_stop_for_closed_room")
def stop_the_recording_of_a_closed_room(sender, *, room, **kwargs) -> None:
    recording_stop_for_closed_room(room=room)
