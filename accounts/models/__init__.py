from .delivery import EmailDigest, NotificationPreference, PushSubscription, QuietHours
from .languages import LanguageLevel
from .notifications import Notification
from .sessions import DeviceSession, PresenceConnection
from .social import Block, Follow, FriendRequest, FriendRequestStatus, Friendship
from .tokens import ApiToken
from .users import SUSPENDED_FOR_GOOD, Audience, FriendRequestPolicy, User

__all__ = [
    "ApiToken",
    "Audience",
    "Block",
    "DeviceSession",
    "EmailDigest",
    "Follow",
    "FriendRequest",
    "FriendRequestPolicy",
    "FriendRequestStatus",
    "Friendship",
    "LanguageLevel",
    "Notification",
    "NotificationPreference",
    "PresenceConnection",
    "PushSubscription",
    "SUSPENDED_FOR_GOOD",
    "QuietHours",
    "User",
]
