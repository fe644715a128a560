"""Reads: channels, follows, streams, the browse page's lists, and a stream's rights in the relay."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from accounts.models import DeviceSession, User
from chat.models import ChatRestriction, RestrictionKind
from config.audience import Figures, figures
from config.errors import NotFoundError
from media_relay.relay_settings import relay_token_secret
from media_relay.sfu.actions import Action
from media_relay.sfu.peers import PEER_SUFFIX_SEPARATOR, is_whip_peer
from media_relay.sfu.tokens import session_fingerprint

from .errors import StreamError
from .events import stream_group
from .models import (
    Channel,
    ChannelFollow,
    ChannelModerator,
    ChannelStreamKey,
    StageInvite,
    StageStatus,
    Stream,
    StreamStatus,
)

RELAY_ROOM_PREFIX = "stream-"
CHAT_CONTEXT_KIND = "channel"  # streams.chat_policy.STREAM_CHAT.kind: a channel's chat moderation rows
HOST_PERMS = frozenset(str(a) for a in (Action.JOIN, Action.SUBSCRIBE, Action.PUBLISH_AUDIO, Action.PUBLISH_VIDEO,
                                         Action.MUTE_OTHERS, Action.KICK))
VIEWER_PERMS = frozenset(str(a) for a in (Action.JOIN, Action.SUBSCRIBE))
GUEST_PERMS = VIEWER_PERMS | {str(Action.PUBLISH_AUDIO)}  # a stage guest (streams.stage)
GUEST_VIDEO_PERMS = GUEST_PERMS | {str(Action.PUBLISH_VIDEO)}  # a guest the host allowed video


def relay_room_name(stream_id: int) -> str:
    return f"{RELAY_ROOM_PREFIX}{stream_id}"


# -- channels -------------------------------------------------------------------------------------
def channel_get(*, slug: str) -> Channel:
    channel = Channel.objects.select_related("owner").filter(slug=slug.lower()).first()
    if channel is None:
        raise NotFoundError(StreamError.CHANNEL_NOT_FOUND, "No such channel.")
    return channel


def channel_of(*, user: User) -> Channel | None:
    """The user's own channel, if they made one."""
    if not user.is_authenticated:
        return None
    return Channel.objects.filter(owner=user).first()


def channel_follow_get(*, user: User, channel: Channel) -> ChannelFollow | None:
    if not user.is_authenticated:
        return None
    return ChannelFollow.objects.filter(user=user, channel=channel).first()


def channel_follower_count(*, channel: Channel) -> int:
    return ChannelFollow.objects.filter(channel=channel).count()


def channel_moderators(*, channel: Channel) -> QuerySet[ChannelModerator]:
    """Its chat moderators, oldest appointment first. One query."""
    return channel.moderators.select_related("user").order_by("created_at", "id")


def channel_live_stream(*, channel: Channel) -> Stream | None:
    return channel.streams.filter(status=StreamStatus.LIVE).first()


def channel_next_scheduled(*, channel: Channel) -> Stream | None:
    return channel.streams.filter(status=StreamStatus.SCHEDULED).order_by("scheduled_for", "id").first()


def channel_stream_key_live(*, channel: Channel) -> ChannelStreamKey | None:
    return channel.stream_keys.filter(revoked_at__isnull=True).first()


# -- streams --------------------------------------------------------------------------------------
def stream_get(*, stream_id: int) -> Stream:
    stream = Stream.objects.select_related("channel", "channel__owner").filter(pk=stream_id).first()
    if stream is None:
        raise NotFoundError(StreamError.STREAM_NOT_FOUND, "No such stream.")
    return stream


def stream_viewers(*, stream: Stream) -> Figures:
    """A stream's current, peak and unique viewers: live, from its audience (config/audience.py, as last
    written by the daphne processes, within AUDIENCE_BROADCAST_MS) and never below what its row kept;
    once ended, as the row kept them."""
    if stream.status != StreamStatus.LIVE:
        return Figures(stream.current_viewers, stream.peak_viewers, stream.unique_viewers)
    live = figures(stream_group(stream.pk))
    return Figures(live.current, max(live.peak, stream.peak_viewers), max(live.unique, stream.unique_viewers))


def stream_capabilities(*, stream: Stream, user: User) -> dict[str, bool]:
    """What `user` may do with `stream`: pages and the socket hand these to the client as data."""
    is_owner = user.is_authenticated and stream.channel.owner_id == user.pk
    return {
        "is_owner": is_owner,
        "can_go_live": is_owner and stream.status == StreamStatus.SCHEDULED,
        "can_end": is_owner and stream.status != StreamStatus.ENDED,
        "can_chat": user.is_authenticated and stream.status == StreamStatus.LIVE,
    }


def streams_live(*, user: User | None = None, query: str = "", category: str = "") -> QuerySet[Stream]:
    """Live streams for /live/: the channels `user` follows first, then by current viewers. `query`
    matches the title, the channel's name or slug, or (``@handle``) its owner's handle. One query."""
    streams = Stream.objects.filter(status=StreamStatus.LIVE).select_related("channel", "channel__owner")
    if category:
        streams = streams.filter(category=category)
    query = query.strip()
    if query.startswith("@"):
        streams = streams.filter(channel__owner__handle__istartswith=query[1:])
    elif query:
        streams = streams.filter(
            Q(title__icontains=query) | Q(channel__name__icontains=query) | Q(channel__slug__icontains=query)
        )
    if user is not None and user.is_authenticated:
        followed = ChannelFollow.objects.filter(user=user, channel=OuterRef("channel_id"))
        streams = streams.annotate(is_followed=Exists(followed))
    else:
        streams = streams.annotate(is_followed=Value(False))
    rank = Case(When(is_followed=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    return streams.order_by(rank, "-current_viewers", "-started_at", "-id")


def streams_scheduled(*, channel: Channel | None = None) -> QuerySet[Stream]:
    streams = Stream.objects.filter(status=StreamStatus.SCHEDULED).select_related("channel", "channel__owner")
    if channel is not None:
        streams = streams.filter(channel=channel)
    return streams.order_by("scheduled_for", "id")


def streams_of_channel(*, channel: Channel) -> QuerySet[Stream]:
    return channel.streams.select_related("channel", "channel__owner").order_by("-id")


def channels_followed(*, user: User) -> QuerySet[Channel]:
    return Channel.objects.filter(follows__user=user).select_related("owner").order_by("name", "id")


# -- the relay ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StreamMediaRights:
    """A stream's rights in the relay (media_relay.relay_kinds.MediaRights): while it is live, its
    channel's owner publishes audio and video (from a browser, or over WHIP while the channel has a live
    key), everyone else, signed in or not, watches; nobody joins a stream that is not live."""

    stream_id: int
    is_open: bool
    owner: str = ""  # the owner's user id, as a relay peer id
    owner_session: str = ""  # the fingerprint of the owner's signed-in session, "" if none
    has_live_key: bool = False
    banned: frozenset[str] = frozenset()  # users banned from the channel's chat (peer ids): they never publish
    recording_id: int | None = None  # streams are not recorded by the relay (VODs: their own issue)
    guests: dict[str, frozenset[str]] = field(default_factory=dict)  # stage guests' peer ids -> their perms

    def perms_for(self, peer_id: str, *, session: str = "") -> frozenset[str]:
        if not self.is_open:
            return frozenset()
        if peer_id.partition(PEER_SUFFIX_SEPARATOR)[0] == self.owner:
            if session and session != self.owner_session:
                return frozenset()  # the owner signed out, or in elsewhere
            if is_whip_peer(peer_id) and not self.has_live_key:
                return frozenset()  # a WHIP publisher whose key was revoked
            return HOST_PERMS
        member = peer_id.partition(PEER_SUFFIX_SEPARATOR)[0]
        if is_whip_peer(peer_id):
            return frozenset()
        if member in self.banned:
            return VIEWER_PERMS  # a banned viewer watches, never publishes
        return self.guests.get(member, VIEWER_PERMS)  # stage guests (streams.stage) publish too

    def knows(self, peer_id: str, session: str) -> bool:
        """Viewers' rights don't depend on who they are: only the owner's session can be newer."""
        is_owner = peer_id.partition(PEER_SUFFIX_SEPARATOR)[0] == self.owner
        return not is_owner or not session or session == self.owner_session


def stream_media_rights(*, stream_id: int) -> StreamMediaRights:
    """Three queries: the stream, its owner's signed-in session and whether the channel has a live key; who is
    banned from its chat (streams.chat_policy: the context is the channel); its stage guests (streams.stage:
    audio unless muted, video if the host allowed it)."""
    live_key = ChannelStreamKey.objects.filter(channel=OuterRef("channel_id"), revoked_at__isnull=True)
    session = DeviceSession.objects.filter(user=OuterRef("channel__owner_id")).order_by("-pk").values("session_key")[:1]
    stream = (
        Stream.objects.filter(pk=stream_id).only("status", "channel__owner_id").select_related("channel")
        .annotate(has_live_key=Exists(live_key), session_key=Subquery(session)).first()
    )
    if stream is None or stream.status != StreamStatus.LIVE:
        return StreamMediaRights(stream_id=stream_id, is_open=False)
    banned = ChatRestriction.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), context_kind=CHAT_CONTEXT_KIND,
        context_id=stream.channel_id, kind=RestrictionKind.BAN).values_list("user_id", flat=True)
    return StreamMediaRights(
        stream_id=stream_id, is_open=True, owner=str(stream.channel.owner_id), has_live_key=stream.has_live_key,
        banned=frozenset(str(user_id) for user_id in banned),
        owner_session=session_fingerprint(stream.session_key, secret=relay_token_secret()) if stream.session_key else "",
        guests=stage_guest_perms(stream_id=stream_id),
    )


def stage_guest_perms(*, stream_id: int) -> dict[str, frozenset[str]]:
    seats = StageInvite.objects.filter(stream_id=stream_id, status=StageStatus.ACCEPTED)
    return {
        str(user_id): VIEWER_PERMS if muted else GUEST_VIDEO_PERMS if video else GUEST_PERMS
        for user_id, muted, video in seats.values_list("invitee_id", "muted", "video_allowed")
    }
