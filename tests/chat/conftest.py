"""The chat core's tests run on real contexts: rooms (with the toolkit on, a test-only policy) and guilds."""

import pytest

from accounts.models import Follow
from chat.policy import Badge, ChatPolicy
from rooms.chat_policy import RoomChatPolicy
from rooms.models import RoomRole
from tests.rooms.factories import RoomFactory, add_member


class ModeratedRoomPolicy(RoomChatPolicy):
    """Room chat with the core's moderation toolkit on, as streams will use it: slow mode from the core's
    settings, followers of the room's creator, and a set of subscribers standing in for monetization."""

    kind = "test_room"
    uses_moderation = True

    def __init__(self):
        self.subscribers: set[int] = set()

    def slow_mode_seconds(self, context, chat_settings) -> int:
        return ChatPolicy.slow_mode_seconds(self, context, chat_settings)

    def followed_at(self, context, user):
        return Follow.objects.filter(follower=user, followee=context.created_by).values_list("created_at", flat=True).first()

    def is_subscriber(self, context, user) -> bool:
        return user.pk in self.subscribers

    def badges(self, context, user) -> list[Badge]:
        badges = super().badges(context, user)
        return badges[:-1] + [Badge.SUBSCRIBER] + badges[-1:] if self.is_subscriber(context, user) else badges


@pytest.fixture
def policy():
    return ModeratedRoomPolicy()


@pytest.fixture
def room(alice, bob, carol):
    """alice leads; bob moderates; carol is a member."""
    room = RoomFactory(created_by=alice)
    add_member(room, bob, role=RoomRole.MODERATOR)
    add_member(room, carol)
    return room
