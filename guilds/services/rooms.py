"""Guild rooms: rooms linked to a guild, opened and closed by its officers and leader.

The room itself is made by rooms.services.membership.room_create; guild members may enter
it whatever its visibility (rooms.services.membership.room_join asks guilds.selectors).
"""

from django.db import transaction

from accounts.models import User
from config.realtime import publish_on_commit
from rooms.models import Room, RoomKind, Visibility
from rooms.services.membership import room_close, room_create

from .. import events
from ..models import ActivityKind, Guild
from ..selectors import guild_room_get, manager_require
from .activity import guild_activity_record
from .membership import lock


def guild_room_create(*, actor: User, guild: Guild, name: str, kind: str = RoomKind.WATCH,
                      visibility: str = Visibility.PRIVATE, source_url: str = "", **settings) -> Room:
    """Open a room for the guild (the officer or leader who opens it leads the room)."""
    with transaction.atomic():
        guild = lock(guild)
        manager_require(guild=guild, user=actor)
        room = room_create(creator=actor, name=name, kind=kind, source_url=source_url, visibility=visibility,
                           guild=guild, **settings)
        guild_activity_record(guild=guild, kind=ActivityKind.ROOM_CREATED, actor=actor,
                              details={"room_code": room.code, "room_name": room.name})
        publish_on_commit(events.guild_group(guild.pk), events.room_created(room))
    return room


def guild_room_close(*, actor: User, guild: Guild, code: str) -> Room:
    """Officers and the leader close any of the guild's rooms."""
    with transaction.atomic():
        guild = lock(guild)
        manager_require(guild=guild, user=actor)
        room = guild_room_get(guild=guild, code=code)
        if room.closed_at is None:
            room = room_close(room=room, reason="closed_by_guild")
            publish_on_commit(events.guild_group(guild.pk), events.room_closed(room))
    return room
