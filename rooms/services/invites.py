"""Invite links (time-limited, single- or multi-use) and direct invites to friends."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import are_friends
from accounts.services.notifications import notification_create
from config.errors import ForbiddenError

from ..errors import RoomError
from ..models import Room, RoomInvite, Visibility
from ..notification_kinds import NotificationKind
from ..selectors import member_require

DIRECT_INVITE_TTL = timedelta(hours=24)


def _require_inviter(room: Room, user: User) -> None:
    member = member_require(room=room, user=user)
    if room.closed_at is not None:
        raise ForbiddenError(RoomError.CLOSED, "This room is closed.")
    if room.visibility == Visibility.PRIVATE and not member.can_moderate:
        raise ForbiddenError(RoomError.NOT_ALLOWED, "Only the leader and moderators invite people to a private room.")


def invite_create(*, actor: User, room: Room, expires_in: int = 3600, max_uses: int | None = None) -> RoomInvite:
    _require_inviter(room, actor)
    return RoomInvite.objects.create(
        room=room, created_by=actor, expires_at=timezone.now() + timedelta(seconds=expires_in), max_uses=max_uses
    )


def invite_friend(*, actor: User, room: Room, friend: User) -> RoomInvite:
    """A single-use invite for one friend, delivered as a notification with a join button."""
    _require_inviter(room, actor)
    if not are_friends(user=actor, other=friend):
        raise ForbiddenError(RoomError.NOT_ALLOWED, f"You can only invite friends; @{friend.handle} isn't one yet.")
    with transaction.atomic():
        invite = RoomInvite.objects.create(
            room=room, created_by=actor, invited_user=friend, max_uses=1, expires_at=timezone.now() + DIRECT_INVITE_TTL
        )
        notification_create(
            recipient=friend, kind=NotificationKind.ROOM_INVITE, actor=actor,
            data={"room": room.code, "room_name": room.name, "invite": invite.code},
        )
    return invite
