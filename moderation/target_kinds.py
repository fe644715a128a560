"""The reportable kinds (moderation.targets): users, chat messages (rooms, guilds, streams), rooms,
channels, streams, guilds, direct messages, VODs, clips and ads. Registered in ModerationConfig.ready."""

from accounts.models import User
from chat.services.messages import message_delete_by_platform
from dms.chat_policy import DM_CHAT
from dms.models import ConversationMember, DirectMessage
from guilds.chat_policy import GUILD_CHAT
from guilds.models import Guild, GuildMember, GuildMessage
from guilds.services.guilds import guild_disband
from monetization.ads_selectors import ad_video_url
from monetization.models import Ad, AdView
from monetization.services.ads import ad_pause, ad_reject
from rooms.chat_policy import ROOM_CHAT
from rooms.models import ChatMessage, Room, RoomMember, Visibility
from rooms.services.membership import room_close
from streams.chat_policy import STREAM_CHAT
from streams.models import Channel, Stream, StreamChatMessage, StreamStatus
from streams.services import stream_end
from vods.clips.selectors import clip_visible
from vods.clips.services import clip_hide_by_platform
from vods.clips.sources import clip_playlist_url, vod_playlist_url, vod_session
from vods.models import Clip, Vod
from vods.selectors import vod_watchable
from vods.services import vod_hide_by_platform

from .models import BanScope
from .targets import TargetKind, target_kind_register

AROUND = 5  # messages shown before and after a reported one
RECENT = 15  # a room's, guild's or channel's recent chat shown with it


def _by_pk(model_or_queryset, **filters):
    queryset = model_or_queryset.objects.all() if isinstance(model_or_queryset, type) else model_or_queryset

    def load(target_id: str):
        if not (target_id.isdigit() and len(target_id) <= 18):  # an id a bigint can hold
            return None
        return queryset.filter(pk=int(target_id), **filters).first()
    return load


def _line(message) -> dict:
    return {"id": message.pk, "author": str(message.author), "body": message.body, "at": message.created_at,
            "deleted": message.deleted_at is not None}


def _around(message, context_field: str) -> list[dict]:
    siblings = type(message).objects.filter(**{context_field: getattr(message, f"{context_field}_id")}).select_related("author")
    before = list(siblings.filter(pk__lt=message.pk).order_by("-pk")[:AROUND])[::-1]
    after = list(siblings.filter(pk__gt=message.pk).order_by("pk")[:AROUND])
    return [*map(_line, before), {**_line(message), "reported": True}, *map(_line, after)]


def _recent(model, **filters) -> list[dict]:
    return [_line(m) for m in model.objects.filter(**filters).select_related("author").order_by("-pk")[:RECENT]][::-1]


def _sees_room(room: Room, user) -> bool:
    return room.visibility == Visibility.PUBLIC or RoomMember.objects.filter(room=room, user=user).exists()


def _in_guild(guild_id: int, user) -> bool:
    return GuildMember.objects.filter(guild_id=guild_id, user=user).exists()


def _delete_message(policy):
    return lambda message, actor, reason: message_delete_by_platform(policy=policy, actor=actor, message_id=message.pk)


def _profile(user: User) -> dict:
    return {"profile": {"handle": user.handle, "display_name": user.display_name, "bio": user.bio,
                        "joined": user.date_joined, "suspended_until": user.suspended_until}}


USER = TargetKind(
    name="user", label="User", load=_by_pk(User, is_active=True), can_see=lambda target, user: True,
    owner=lambda target: target, context=_profile,
)
ROOM_MESSAGE = TargetKind(
    name="room_message", label="Room chat message", load=_by_pk(ChatMessage),
    can_see=lambda message, user: message.deleted_at is None and _sees_room(message.room, user),
    owner=lambda message: message.author, context=lambda message: {"text": message.body, "messages": _around(message, "room")},
    remove=_delete_message(ROOM_CHAT), communities=lambda message: {BanScope.ROOM: message.room},
)
GUILD_MESSAGE = TargetKind(
    name="guild_message", label="Guild chat message", load=_by_pk(GuildMessage),
    can_see=lambda message, user: message.deleted_at is None and _in_guild(message.guild_id, user),
    owner=lambda message: message.author, context=lambda message: {"text": message.body, "messages": _around(message, "guild")},
    remove=_delete_message(GUILD_CHAT), communities=lambda message: {BanScope.GUILD: message.guild},
)
STREAM_MESSAGE = TargetKind(
    name="stream_message", label="Stream chat message", load=_by_pk(StreamChatMessage),
    can_see=lambda message, user: message.deleted_at is None,
    owner=lambda message: message.author, context=lambda message: {"text": message.body, "messages": _around(message, "channel")},
    remove=_delete_message(STREAM_CHAT), communities=lambda message: {BanScope.CHANNEL: message.channel},
)
ROOM = TargetKind(
    name="room", label="Room", load=_by_pk(Room), can_see=lambda room, user: room.is_active and _sees_room(room, user),
    owner=lambda room: room.created_by,
    context=lambda room: {"text": room.name, "messages": _recent(ChatMessage, room=room)},
    remove=lambda room, actor, reason: room_close(room=room, reason="closed_by_staff"),
    communities=lambda room: {BanScope.ROOM: room},
)
CHANNEL = TargetKind(
    name="channel", label="Channel", load=_by_pk(Channel), can_see=lambda channel, user: True,
    owner=lambda channel: channel.owner,
    context=lambda channel: {"text": f"{channel.name}: {channel.description}",
                             "messages": _recent(StreamChatMessage, channel=channel)},
    communities=lambda channel: {BanScope.CHANNEL: channel},
)
STREAM = TargetKind(
    name="stream", label="Stream", load=_by_pk(Stream), can_see=lambda stream, user: True,
    owner=lambda stream: stream.channel.owner,
    context=lambda stream: {"text": f"{stream.title}: {stream.description}",
                            "messages": _recent(StreamChatMessage, channel_id=stream.channel_id)},
    remove=lambda stream, actor, reason: stream_end(actor=None, stream=stream) if stream.status in (
        StreamStatus.LIVE, StreamStatus.SCHEDULED) else None,
    communities=lambda stream: {BanScope.CHANNEL: stream.channel},
)
GUILD = TargetKind(
    name="guild", label="Guild", load=_by_pk(Guild), can_see=lambda guild, user: True,
    owner=lambda guild: guild.created_by,
    context=lambda guild: {"text": f"{guild.name}: {guild.description}", "messages": _recent(GuildMessage, guild=guild)},
    remove=lambda guild, actor, reason: guild_disband(actor=actor, guild=guild, by_staff=True),
    communities=lambda guild: {BanScope.GUILD: guild},
)



def _vod_video(vod: Vod) -> dict:
    session = vod_session(vod=vod)
    return {"video": {"src": vod_playlist_url(vod, session), "hls": True}} if session is not None else {}


def _clip_video(clip: Clip) -> dict:
    return {"video": {"src": clip_playlist_url(clip.slug), "hls": True}} if clip.status == "ready" else {}


DIRECT_MESSAGE = TargetKind(
    name="direct_message", label="Direct message",
    load=_by_pk(DirectMessage.objects.select_related("conversation", "author")),
    can_see=lambda message, user: message.deleted_at is None and ConversationMember.objects.filter(
        conversation_id=message.conversation_id, user=user).exists(),
    owner=lambda message: message.author,
    context=lambda message: {"text": message.body, "messages": _around(message, "conversation")},
    remove=_delete_message(DM_CHAT),
)
VOD = TargetKind(
    name="vod", label="VOD", load=_by_pk(Vod.objects.select_related("channel", "channel__owner")),
    can_see=lambda vod, user: vod_watchable(user=user, vod=vod), owner=lambda vod: vod.channel.owner,
    context=lambda vod: {"text": f"{vod.title}: {vod.description}", **_vod_video(vod)},
    hide=lambda vod, actor, reason: vod_hide_by_platform(vod=vod),
    communities=lambda vod: {BanScope.CHANNEL: vod.channel},
)
CLIP = TargetKind(
    name="clip", label="Clip",
    load=_by_pk(Clip.objects.select_related("channel", "creator", "vod__channel", "stream__vod__channel")),
    can_see=lambda clip, user: clip_visible(user=user, clip=clip), owner=lambda clip: clip.creator,
    context=lambda clip: {"text": f"{clip.title} (on {clip.channel.name})", **_clip_video(clip)},
    hide=lambda clip, actor, reason: clip_hide_by_platform(clip=clip),
    communities=lambda clip: {BanScope.CHANNEL: clip.channel},
)
AD = TargetKind(
    # one sees an ad one was served (monetization.AdView); staff reject it (delete) or pause it (hide)
    name="ad", label="Ad", load=_by_pk(Ad.objects.select_related("advertiser__user")),
    can_see=lambda ad, user: AdView.objects.filter(ad=ad, user=user).exists(),
    owner=lambda ad: ad.advertiser.user,
    context=lambda ad: {"text": f"{ad.title} (by {ad.advertiser}, {ad.get_status_display().lower()})",
                        "video": {"src": ad_video_url(ad=ad), "hls": False, "poster": ad.poster.url if ad.poster else ""}},
    remove=lambda ad, actor, reason: ad_reject(actor=actor, ad=ad, reason=reason[:300]),
    hide=lambda ad, actor, reason: ad_pause(actor=actor, ad=ad),
)


def register_target_kinds() -> None:
    for kind in (USER, ROOM_MESSAGE, GUILD_MESSAGE, STREAM_MESSAGE, ROOM, CHANNEL, STREAM, GUILD, DIRECT_MESSAGE,
                 VOD, CLIP, AD):
        target_kind_register(kind)
