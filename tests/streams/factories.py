import factory
from django.utils import timezone

from streams.models import Channel, Stream, StreamStatus
from tests.accounts.factories import UserFactory


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Channel {n}")
    slug = factory.Sequence(lambda n: f"channel-{n}")


class StreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stream

    channel = factory.SubFactory(ChannelFactory)
    title = factory.Sequence(lambda n: f"Stream {n}")


def live_stream(channel: Channel, **fields) -> Stream:
    return StreamFactory(channel=channel, status=StreamStatus.LIVE, started_at=timezone.now(), **fields)
