"""The choices of a room's visibility, playback control and chat mode.

Rooms use them on each room (rooms.models re-exports them); they live here, below rooms, because a user's
room defaults (settings, User.room_*) store the same choices and accounts may not import rooms (config/layers.py).
"""

from django.db import models


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    FRIENDS = "friends", "Friends of the leader"
    PRIVATE = "private", "Private (invite only)"


class PlaybackControl(models.TextChoices):
    LEADER = "leader", "Leader and moderators"
    ANYONE = "anyone", "Any member"


class ChatMode(models.TextChoices):
    ALL = "all", "Everyone"
    MODS = "mods", "Moderators only"
    OFF = "off", "Off"
