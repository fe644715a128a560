"""Who may read a room (rooms.selectors.room_get_for_user, behind GET /api/v1/rooms/{code}/)."""

import pytest

from config.errors import ForbiddenError
from rooms.models import Visibility
from rooms.selectors import room_get_for_user
from tests.accounts.factories import UserFactory

from .factories import RoomFactory, add_member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("visibility", [Visibility.FRIENDS, Visibility.PRIVATE])
def test_a_non_public_room_is_for_its_members(visibility):
    room, member, stranger = RoomFactory(visibility=visibility), UserFactory(), UserFactory()
    add_member(room, member)
    assert room_get_for_user(code=room.code, user=member) == room
    with pytest.raises(ForbiddenError):
        room_get_for_user(code=room.code, user=stranger)


def test_a_public_room_is_for_anyone():
    room = RoomFactory(visibility=Visibility.PUBLIC)
    assert room_get_for_user(code=room.code, user=UserFactory()) == room
