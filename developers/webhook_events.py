"""The events a webhook can subscribe to, and the body each delivery carries.

Wired today: stream.online, stream.offline, channel.follow, stream.raid (streams.signals). Declared for the
apps still landing: channel.subscribe and donation.created (monetization), vod.ready and clip.created (vods):
each is wired by a receiver in developers/receivers.py on that app's signal, calling `webhook_event_emit`.
"""

from enum import StrEnum


class WebhookEvent(StrEnum):
    STREAM_ONLINE = "stream.online"
    STREAM_OFFLINE = "stream.offline"
    CHANNEL_FOLLOW = "channel.follow"
    CHANNEL_SUBSCRIBE = "channel.subscribe"
    DONATION_CREATED = "donation.created"
    VOD_READY = "vod.ready"
    CLIP_CREATED = "clip.created"
    STREAM_RAID = "stream.raid"


def stream_data(stream) -> dict:
    return {"stream_id": stream.pk, "channel": stream.channel.slug, "title": stream.title,
            "category": stream.category, "started_at": stream.started_at.isoformat() if stream.started_at else None,
            "ended_at": stream.ended_at.isoformat() if stream.ended_at else None}


def follow_data(follow) -> dict:
    return {"channel": follow.channel.slug, "follower": follow.user.handle, "followed_at": follow.created_at.isoformat()}


def raid_data(stream, target) -> dict:
    return {"stream_id": stream.pk, "channel": stream.channel.slug, "target_stream_id": target.pk,
            "target_channel": target.channel.slug}
