from .chat import ChatMessage
from .matching import MatchRequest, MatchStatus
from .queue import QueueItem, SkipVote
from .rooms import ChatMode, PlaybackControl, Room, RoomBan, RoomInvite, RoomKind, RoomMember, RoomRole, Visibility
from .sessions import WatchSession

__all__ = [
    "ChatMessage", "ChatMode", "MatchRequest", "MatchStatus", "PlaybackControl", "QueueItem", "Room", "RoomBan",
    "RoomInvite", "RoomKind", "RoomMember", "RoomRole", "SkipVote", "Visibility", "WatchSession",
]
