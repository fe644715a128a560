from .delivery import NotificationPreference, PushSubscription
from .notifications import Notification
from .sessions import DeviceSession, PresenceConnection
from .social import Block, Follow, FriendRequest, FriendRequestStatus, Friendship
from .tokens import ApiToken
from .users import Audience, FriendRequestPolicy, User

__all__ = [
    "ApiToken",
    "Audience",
    "Block",
    "DeviceSession",
    "Follow",
    "FriendRequest",
    "FriendRequestPolicy",
    "FriendRequestStatus",
    "Friendship",
    "Notification",
    "NotificationPreference",
    "PresenceConnection",
    "PushSubscription",
    "User",
]
