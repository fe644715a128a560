"""Rooms, members and sources for the rooms tests.

RoomFactory writes rows directly (no events published), with its creator as the leader;
use rooms.services.membership.room_create where the creation itself is under test.
"""

import time

import factory

from rooms.models import Room, RoomKind, RoomMember, RoomRole, Visibility
from tests.accounts.factories import UserFactory

YOUTUBE_ID = "dQw4w9WgXcQ"
YOUTUBE_URL = f"https://www.youtube.com/watch?v={YOUTUBE_ID}"
OTHER_YOUTUBE_URL = "https://www.youtube.com/watch?v=9bZkp7q19f0"
VIDEO_URL = "https://cdn.example.com/films/short.mp4"


class RoomFactory(factory.django.DjangoModelFactory):
    """A public watch room led by `created_by` (pass leader=False for a room with no members)."""

    class Meta:
        model = Room
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Room {n}")
    kind = RoomKind.WATCH
    visibility = Visibility.PUBLIC
    max_members = factory.LazyAttribute(lambda room: 10 if room.kind == RoomKind.WATCH else 12)
    is_mic_enabled = factory.LazyAttribute(lambda room: room.kind == RoomKind.VOICE)
    created_by = factory.SubFactory(UserFactory)
    position_at = factory.LazyFunction(time.time)

    @factory.post_generation
    def leader(room, create, extracted, **kwargs):
        if create and extracted is not False:
            RoomMember.objects.create(room=room, user=room.created_by, role=RoomRole.LEADER, **kwargs)


def leader_of(room: Room) -> RoomMember:
    return RoomMember.objects.select_related("user").get(room=room, role=RoomRole.LEADER)


def add_member(room: Room, user=None, *, role: str = RoomRole.MEMBER, **fields) -> RoomMember:
    """Put `user` (a new one by default) straight into the room; fields e.g. connections=1."""
    return RoomMember.objects.create(room=room, user=user or UserFactory(), role=role, **fields)


def add_members(room: Room, count: int, **fields) -> list[RoomMember]:
    return [add_member(room, **fields) for _ in range(count)]


def set_source(room: Room, url: str = YOUTUBE_URL, *, is_playing: bool = True, position: float = 0.0,
               ago: float = 0.0, duration: float | None = None, **fields) -> Room:
    """Load `url` (parsed like a real link) with the state `position` held `ago` seconds before now."""
    from rooms.sources import parse_source

    source = parse_source(url)
    Room.objects.filter(pk=room.pk).update(
        source_kind=source.kind, source_url=source.url, source_media_id=source.media_id,
        is_playing=is_playing, position=position, position_at=time.time() - ago, duration=duration, **fields,
    )
    room.refresh_from_db()
    return room
