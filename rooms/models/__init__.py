from .chat import ChatMessage
from .matching import MatchRequest, MatchStatus
from .queue import QueueItem, SkipVote
from .rooms import ChatMode, PlaybackControl, Room, RoomBan, RoomInvite, RoomKind, RoomMember, RoomRole, Visibility
from .scheduling import RoomReminder, ScheduledRoom, ScheduleStatus
from .sessions import WatchSession

__all__ = [
    "ChatMessage", "ChatMode", "MatchRequest", "MatchStatus", "PlaybackControl", "QueueItem", "Room", "RoomBan",
    "RoomInvite", "RoomKind", "RoomMember", "RoomReminder", "RoomRole", "ScheduleStatus", "ScheduledRoom", "SkipVote",
    "Visibility", "WatchSession",
]
