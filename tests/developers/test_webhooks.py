"""Outgoing webhooks: events wired from streams, Standard Webhooks signatures, retries with backoff for a day,
re-sending, and no deliveries inside our network in production (SSRF), after DNS and redirects too."""

import ipaddress
import json
import socket
from datetime import timedelta
from unittest import mock

import pytest
import requests
from standardwebhooks.webhooks import Webhook as Verifier

from developers.models import DeliveryStatus, WebhookDelivery
from developers.services import RETRY_DELAYS, webhook_create, webhook_delivery_attempt, webhook_delivery_resend
from developers.url_safety import UnsafeUrl, target_resolve
from streams.raids import stream_raid
from streams.services import channel_follow, stream_end, stream_go_live
from tests.accounts.factories import UserFactory
from tests.streams.factories import ChannelFactory, live_stream

from .receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    """The delivery ids handed to the Celery task (commit callbacks run)."""
    with mock.patch("developers.tasks.deliver_webhook.delay") as delay:
        yield delay


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


@pytest.fixture(autouse=True)
def no_stream_side_tasks():
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield


def test_going_live_delivers_a_signed_stream_online_event(settings, receiver, sent, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_REFUSE_PRIVATE_ADDRESSES = False  # development: the receiver is on 127.0.0.1
    olive = UserFactory(handle="olive")
    channel = ChannelFactory(owner=olive, slug="olive")
    hook = webhook_create(owner=olive, url=receiver.url, events=["stream.online", "stream.offline"])
    webhook_create(owner=olive, url=receiver.url + "/follows", events=["channel.follow"])  # not this event
    webhook_create(owner=UserFactory(), url=receiver.url + "/other", events=["stream.online"])  # not this owner

    with django_capture_on_commit_callbacks(execute=True):
        stream = stream_go_live(actor=olive, channel=channel, title="Chess")
    (delivery,) = WebhookDelivery.objects.all()
    assert sent.call_args_list == [mock.call(delivery.pk)]
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None

    ((path, headers, body),) = receiver.requests
    payload = Verifier(hook.secret).verify(body, {k.lower(): v for k, v in headers.items()})
    assert path == "/hooks" and headers["webhook-id"] == delivery.message_id
    assert payload["type"] == "stream.online" and payload["data"]["stream_id"] == stream.pk
    assert payload["data"]["title"] == "Chess" and payload["data"]["channel"] == "olive"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 204, 1)
    with pytest.raises(Exception, match="signature"):  # another secret does not verify
        Verifier("whsec_" + "A" * 32).verify(body, {k.lower(): v for k, v in headers.items()})


def test_offline_follow_and_raid_are_wired(settings, sent, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_REFUSE_PRIVATE_ADDRESSES = False
    olive, fan = UserFactory(handle="olive"), UserFactory(handle="fan")
    channel = ChannelFactory(owner=olive, slug="olive")
    webhook_create(owner=olive, url="http://127.0.0.1:9/", events=["stream.offline", "channel.follow", "stream.raid"])
    target = live_stream(ChannelFactory(slug="friend"))

    with django_capture_on_commit_callbacks(execute=True):
        channel_follow(actor=fan, channel=channel)
        channel_follow(actor=fan, channel=channel)  # already following: no second event
        stream_end(actor=olive, stream=live_stream(channel))
        stream_raid(actor=olive, stream=live_stream(channel), target_slug="friend")

    events = [(d.event, d.payload["data"]) for d in WebhookDelivery.objects.order_by("id")]
    assert [event for event, _ in events] == ["channel.follow", "stream.offline", "stream.raid", "stream.offline"]
    assert events[0][1]["follower"] == "fan" and events[2][1]["target_stream_id"] == target.pk


def test_a_failing_endpoint_is_retried_with_backoff_for_a_day_then_failed(settings, sent):
    settings.WEBHOOKS_REFUSE_PRIVATE_ADDRESSES = False
    failing = Receiver(status=500)
    try:
        olive = UserFactory()
        webhook_create(owner=olive, url=failing.url, events=["channel.follow"])
        channel_follow(actor=UserFactory(), channel=ChannelFactory(owner=olive))
        delivery = WebhookDelivery.objects.get()
        waits = [webhook_delivery_attempt(delivery_id=delivery.pk) for _ in range(len(RETRY_DELAYS) + 1)]
        assert waits == [*RETRY_DELAYS, None]
        assert timedelta(hours=20) < timedelta(seconds=sum(RETRY_DELAYS)) < timedelta(hours=30)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.response_code, delivery.attempts) == (DeliveryStatus.FAILED, 500, 8)
        assert len(failing.requests) == 8 and len({r[1]["webhook-id"] for r in failing.requests}) == 1

        failing.status = 200  # fixed on their side: re-send it
        webhook_delivery_resend(owner=olive, webhook_id=delivery.webhook_id, delivery_id=delivery.pk)
        assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
        delivery.refresh_from_db()
        assert (delivery.status, delivery.response_code) == (DeliveryStatus.SUCCEEDED, 200)
    finally:
        failing.close()


def test_an_unreachable_endpoint_is_kept_pending_with_the_error(settings, sent):
    settings.WEBHOOKS_REFUSE_PRIVATE_ADDRESSES = False
    olive = UserFactory()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook_create(owner=olive, url=f"http://127.0.0.1:{port}/", events=["channel.follow"])
    channel_follow(actor=UserFactory(), channel=ChannelFactory(owner=olive))
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == RETRY_DELAYS[0]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and "ConnectionError" in delivery.last_error


# -- production: nothing inside our network ---------------------------------------------------------------
def resolving(names: dict[str, str]):
    """getaddrinfo that answers `names` with their address and refuses the rest (no DNS in tests)."""
    def getaddrinfo(host, port, *args, **kwargs):
        try:
            address = str(ipaddress.ip_address(host))  # a literal address resolves to itself
        except ValueError:
            if host not in names:
                raise socket.gaierror("unknown") from None
            address = names[host]
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
    return mock.patch("developers.url_safety.socket.getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(("url", "why"), [
    ("https://127.0.0.1/hook", "loopback"), ("https://10.0.0.1/hook", "private"),
    ("https://169.254.169.254/latest/meta-data/", "link-local"), ("https://[::1]/hook", "loopback"),
    ("https://[::ffff:10.0.0.1]/hook", "private"), ("https://sneaky.example/hook", "loopback"),
    ("https://metadata.example/hook", "link-local"), ("http://hooks.example/hook", "https"),
])
def test_production_refuses_private_loopback_link_local_and_metadata_addresses(settings, url, why):
    settings.WEBHOOKS_REFUSE_PRIVATE_ADDRESSES = True
    with resolving({"sneaky.example": "127.0.0.1", "metadata.example": "169.254.169.254",
                    "hooks.example": "93.184.216.34"}), pytest.raises(UnsafeUrl, match=why):
        target_resolve(url)
    with resolving({"sneaky.example": "127.0.0.1", "metadata.example": "169.254.169.254"}):
        from config.errors import ApplicationError

        with pytest.raises(ApplicationError) as refused:
            webhook_create(owner=UserFactory(), url=url, events=["stream.online"])
    assert refused.value.code == "webhook_url_invalid"


def test_production_refuses_a_name_that_resolves_inside_after_registration_and_a_redirect_inside(settings, sent):
    settings.WEBHOOKS_REFUSE_PRIVATE_ADDRESSES = True
    olive = UserFactory()
    with resolving({"hooks.example": "93.184.216.34"}):
        webhook_create(owner=olive, url="https://hooks.example/in", events=["channel.follow", "stream.offline"])
    channel_follow(actor=UserFactory(), channel=ChannelFactory(owner=olive))
    renamed = WebhookDelivery.objects.get()

    # the name now resolves to the metadata service (DNS rebinding): refused, never sent
    with resolving({"hooks.example": "169.254.169.254"}), mock.patch("requests.Session.post") as post:
        assert webhook_delivery_attempt(delivery_id=renamed.pk) is None
    assert not post.called
    renamed.refresh_from_db()
    assert renamed.status == DeliveryStatus.REFUSED and "link-local" in renamed.last_error

    # a public answer that redirects inside: the second hop is refused
    redirect = requests.Response()
    redirect.status_code, redirect.headers["Location"] = 307, "https://10.0.0.1/admin"
    stream_end(actor=None, stream=live_stream(ChannelFactory()))  # not olive's channel: no event
    channel_follow(actor=UserFactory(), channel=olive.channel)
    redirected = WebhookDelivery.objects.exclude(pk=renamed.pk).get()
    with resolving({"hooks.example": "93.184.216.34"}), mock.patch("requests.Session.post", return_value=redirect) as post:
        assert webhook_delivery_attempt(delivery_id=redirected.pk) is None
    assert post.call_count == 1 and post.call_args.args[0] == "https://93.184.216.34:443/in"  # the checked address
    assert post.call_args.kwargs["headers"]["Host"] == "hooks.example"
    redirected.refresh_from_db()
    assert redirected.status == DeliveryStatus.REFUSED and "private" in redirected.last_error
    assert json.loads(json.dumps(redirected.payload))["type"] == "channel.follow"
