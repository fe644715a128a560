"""What direct messages do when rooms announce a fact (rooms.signals)."""

from django.dispatch import receiver

from rooms.models import Room
from rooms.signals import room_closed

from .services.calls import call_room_closed


@receiver(room_closed, sender=Room, dispatch_uid="dms.call_room_closed")
def end_call_with_its_room(sender, room, **kwargs):
    call_room_closed(room=room)
