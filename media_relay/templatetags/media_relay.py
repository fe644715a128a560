from django import template

from ..recordings import room_recording_going

register = template.Library()


@register.simple_tag
def room_recording(room):
    """``{% room_recording room as recording %}``: the room's going recording or None (the voice card)."""
    return room_recording_going(room=room)
