"""Reads about VODs: who may watch one, the lists on the channel and the profile, what a viewer may do."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet

from config.errors import NotFoundError
from streams.chat_policy import channel_subscription
from streams.models import Channel, ChannelFollow

from .errors import VodError
from .models import Vod, VodStatus, VodVisibility

PLAYABLE = (VodStatus.QUEUED, VodStatus.PROCESSING, VodStatus.READY)  # the source plays while renditions build


def _is_owner(user, vod: Vod) -> bool:
    return user.is_authenticated and vod.channel.owner_id == user.id


def vod_watchable(*, user, vod: Vod) -> bool:
    """May `user` (possibly anonymous) watch `vod`? Its owner always may; others while it plays (its source
    from the stream's end: queued, processing, ready; not a failed one) and its visibility lets them:
    public; followers (they follow the channel); subscribers (streams.chat_policy.channel_subscription);
    private (the owner only)."""
    if _is_owner(user, vod):
        return True
    if vod.status not in PLAYABLE or vod.hidden_at is not None:  # hidden by staff: its owner only
        return False
    if vod.visibility == VodVisibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if vod.visibility == VodVisibility.FOLLOWERS:
        return ChannelFollow.objects.filter(channel_id=vod.channel_id, user=user).exists()
    if vod.visibility == VodVisibility.SUBSCRIBERS:
        return channel_subscription(channel=vod.channel, user=user).is_subscriber
    return False


def vod_get_for_user(*, vod_id: int, user) -> Vod:
    """The VOD if `user` may watch it; not found otherwise (a private VOD's existence is not told)."""
    vod = Vod.objects.select_related("channel", "channel__owner").filter(pk=vod_id).first()
    if vod is None or not vod_watchable(user=user, vod=vod):
        raise NotFoundError(VodError.VOD_NOT_FOUND, "No such VOD.")
    return vod


def vods_of_channel(*, channel: Channel, user) -> QuerySet[Vod]:
    """The channel's VODs `user` may watch, newest first (the same rules as vod_watchable, in one query)."""
    vods = Vod.objects.filter(channel=channel).select_related("channel")
    if user.is_authenticated and channel.owner_id == user.id:
        return vods
    visible = Q(visibility=VodVisibility.PUBLIC)
    if user.is_authenticated:
        if ChannelFollow.objects.filter(channel=channel, user=user).exists():
            visible |= Q(visibility=VodVisibility.FOLLOWERS)
        if channel_subscription(channel=channel, user=user).is_subscriber:
            visible |= Q(visibility=VodVisibility.SUBSCRIBERS)
    return vods.filter(visible, status__in=PLAYABLE, hidden_at__isnull=True)


def vods_of_owner(*, owner, viewer) -> QuerySet[Vod]:
    """The VODs of `owner`'s channel `viewer` may watch (none without a channel): their profile's list."""
    channel = Channel.objects.filter(owner=owner).first()
    return vods_of_channel(channel=channel, user=viewer) if channel is not None else Vod.objects.none()


def with_thumbnails(vods) -> list[Vod]:
    """The VODs, each with its ``thumbnail_url`` for the cards (vods/_vod_card.html)."""
    vods = list(vods)
    for vod in vods:
        vod.thumbnail_url = default_storage.url(vod.thumbnail) if vod.thumbnail else ""
    return vods


def vod_capabilities(*, vod: Vod, user) -> dict:
    owner = _is_owner(user, vod)
    return {"can_edit": owner, "can_delete": owner, "can_retry": owner and vod.status == VodStatus.FAILED}
