"""Streams' facts become webhook events for the channel's owner (connected in DevelopersConfig.ready).

The events of apps still landing (channel.subscribe, donation.created, vod.ready, clip.created) are wired
here the same way, on their app's signal."""

from django.dispatch import receiver

from streams import signals as streams_signals

from .services import webhook_event_emit
from .webhook_events import WebhookEvent, follow_data, raid_data, stream_data


@receiver(streams_signals.stream_went_live)
def stream_online(sender, stream, **kwargs):
    webhook_event_emit(owner_id=stream.channel.owner_id, event=WebhookEvent.STREAM_ONLINE, data=stream_data(stream))


@receiver(streams_signals.stream_ended)
def stream_offline(sender, stream, **kwargs):
    webhook_event_emit(owner_id=stream.channel.owner_id, event=WebhookEvent.STREAM_OFFLINE, data=stream_data(stream))


@receiver(streams_signals.channel_followed)
def channel_follow(sender, follow, **kwargs):
    webhook_event_emit(owner_id=follow.channel.owner_id, event=WebhookEvent.CHANNEL_FOLLOW, data=follow_data(follow))


@receiver(streams_signals.stream_raided)
def stream_raid(sender, stream, target, **kwargs):
    webhook_event_emit(owner_id=stream.channel.owner_id, event=WebhookEvent.STREAM_RAID, data=raid_data(stream, target))
