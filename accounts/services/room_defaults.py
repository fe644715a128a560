"""A user's room defaults: what their new rooms start with (settings page, PATCH /api/v1/me/)."""

from config.errors import ApplicationError

from ..errors import AccountError
from ..models import User
from ..room_settings import ChatMode, PlaybackControl, Visibility

# Each choice field of the defaults and the values it takes.
CHOICES = {
    "room_visibility": Visibility,
    "room_playback_control": PlaybackControl,
    "room_chat_mode": ChatMode,
}
FIELDS = (*CHOICES, "room_mic_enabled")


def user_room_defaults_set(
    *,
    user: User,
    room_visibility: str | None = None,
    room_mic_enabled: bool | None = None,
    room_playback_control: str | None = None,
    room_chat_mode: str | None = None,
) -> User:
    """Change the given defaults (None leaves one as it is); an unknown value changes nothing."""
    changes = {"room_visibility": room_visibility, "room_mic_enabled": room_mic_enabled,
               "room_playback_control": room_playback_control, "room_chat_mode": room_chat_mode}
    changes = {name: value for name, value in changes.items() if value is not None}
    bad = {name: [f"Choose one of: {', '.join(CHOICES[name].values)}."]
           for name, value in changes.items() if name in CHOICES and value not in CHOICES[name].values}
    if "room_mic_enabled" in changes and not isinstance(changes["room_mic_enabled"], bool):
        bad["room_mic_enabled"] = ["Must be true or false."]
    if bad:
        raise ApplicationError(AccountError.ROOM_DEFAULTS_INVALID, "Those room defaults are not valid.",
                               {"fields": bad})
    if changes:
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
    return user
