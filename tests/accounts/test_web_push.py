"""Web Push end to end against a real push service stand-in on loopback (tests/accounts/push_service.py):
pywebpush's request is checked as a push service checks it (VAPID JWT) and decrypted as the browser
would (aes128gcm with the subscription's private key). Plus the task's handling of each answer."""

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from accounts.models import PushSubscription
from accounts.services.delivery import notification_deliver
from accounts.services.notifications import notification_create
from accounts.services.push import PushOutcome, push_send, push_subscription_save, push_test
from accounts.services.social import follow_create
from accounts.tasks import deliver_notification
from config.errors import ApplicationError
from gamification.notification_kinds import NotificationKind as GamificationKind
from tests.accounts.push_service import FakePushService

pytestmark = pytest.mark.django_db


@pytest.fixture
def push_service(settings):
    settings.WEB_PUSH_ALLOW_HTTP = True  # the stand-in speaks plain HTTP on loopback
    settings.WEB_PUSH_TIMEOUT = 0.5
    service = FakePushService()
    yield service
    service.close()


def subscribe(user, browser) -> PushSubscription:
    return push_subscription_save(user=user, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth,
                                  user_agent="Fake/1.0")


def test_following_someone_pushes_an_encrypted_signed_message_to_each_of_their_browsers(
        push_service, alice, bob, commit, monkeypatch, settings):
    monkeypatch.setattr(deliver_notification, "delay", lambda *a, **kw: deliver_notification.apply(a, kw))  # runs here
    phone, laptop = push_service.browser("phone"), push_service.browser("laptop")
    subscribe(alice, phone), subscribe(alice, laptop)
    other = push_service.browser("bob")
    subscribe(bob, other)

    with commit():
        follow_create(follower=bob, followee=alice)

    notification = alice.notifications.get()
    for browser in (phone, laptop):
        [request] = push_service.to(browser)
        assert push_service.message(request, browser) == {
            "title": "New follower", "body": "@bob started following you", "url": f"{settings.SITE_URL}/@bob",
            "icon": f"{settings.SITE_URL}/static/img/logo.svg", "tag": f"notification-{notification.pk}",
        }
    assert push_service.to(other) == []  # bob's own browser got nothing
    assert all(s.last_success_at and s.failure_count == 0 for s in PushSubscription.objects.filter(user=alice))


def test_a_message_for_one_browser_cannot_be_read_with_another_s_keys(push_service, alice):
    phone = push_service.browser("phone")
    subscribe(alice, phone)
    assert push_send(subscription=alice.push_subscriptions.get(), payload={"title": "t"}) is PushOutcome.SENT
    [request] = push_service.to(phone)
    with pytest.raises(Exception):  # noqa: B017 (http_ece raises cryptography's InvalidTag)
        push_service.message(request, push_service.browser("phone"))  # same endpoint, other keys


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_deleted(push_service, alice, bob, status):
    phone, laptop = push_service.browser("phone"), push_service.browser("laptop")
    subscribe(alice, phone), subscribe(alice, laptop)
    push_service.answer(phone, status)
    notification = notification_create(recipient=alice, kind="new_follower", actor=bob)

    assert not notification_deliver(notification_id=notification.pk)  # nothing left to retry
    assert list(alice.push_subscriptions.values_list("endpoint", flat=True)) == [laptop.endpoint]
    assert len(push_service.to(laptop)) == 1


def run_once(**kwargs) -> Retry | None:
    """One run of the task as a worker would run it: the Retry it asks for (not run here), or None."""
    retries = kwargs.pop("retries", 0)
    deliver_notification.push_request(is_eager=True, called_directly=False, retries=retries)
    try:
        deliver_notification.run(**kwargs)
    except Retry as retry:
        return retry
    finally:
        deliver_notification.pop_request()
    return None


def test_a_5xx_or_a_timeout_is_retried_for_that_browser_alone_with_backoff(push_service, alice, bob, mailoutbox):
    busy, slow, fine = push_service.browser("busy"), push_service.browser("slow"), push_service.browser("fine")
    for browser in (busy, slow, fine):
        subscribe(alice, browser)
    push_service.answer(busy, 503)
    push_service.answer(slow, 201, delay=2.0)  # longer than WEB_PUSH_TIMEOUT
    notification = notification_create(recipient=alice, kind="friend_request", actor=bob, data={"friend_request_id": 1})

    retry = run_once(notification_id=notification.pk)

    subscriptions = {s.endpoint: s for s in alice.push_subscriptions.all()}
    assert retry.sig.kwargs["notification_id"] == notification.pk
    assert retry.sig.kwargs["email"] is False  # the e-mail went out on the first try
    assert sorted(retry.sig.kwargs["subscription_ids"]) == sorted([subscriptions[busy.endpoint].pk, subscriptions[slow.endpoint].pk])
    assert retry.when == 30
    assert subscriptions[busy.endpoint].failure_count == 1 and subscriptions[slow.endpoint].failure_count == 1
    assert subscriptions[fine.endpoint].last_success_at is not None
    assert len(mailoutbox) == 1

    # The retry (the third try here: the backoff doubles) reaches only the two that failed; both answer now.
    assert run_once(**retry.sig.kwargs, retries=2) is None
    assert [len(push_service.to(b)) for b in (busy, slow, fine)] == [2, 2, 1]
    assert all(s.failure_count == 0 for s in alice.push_subscriptions.all())
    assert len(mailoutbox) == 1


def test_backoff_doubles_and_retries_stop_at_the_limit(push_service, alice, bob, settings):
    busy = push_service.browser("busy")
    subscribe(alice, busy)
    push_service.answer(busy, 500, 500)
    notification = notification_create(recipient=alice, kind="new_follower", actor=bob)

    assert run_once(notification_id=notification.pk, retries=3).when == 240
    assert run_once(notification_id=notification.pk, retries=settings.WEB_PUSH_MAX_RETRIES) is None  # given up
    assert alice.push_subscriptions.get().failure_count == 2


def test_a_worker_retries_until_the_push_service_answers(push_service, alice, bob):
    """Celery's own retry path (eagerly: the retries run at once): two 502s, then delivered."""
    busy = push_service.browser("busy")
    subscribe(alice, busy)
    push_service.answer(busy, 502, 502)
    notification = notification_create(recipient=alice, kind="new_follower", actor=bob)
    assert deliver_notification.apply(kwargs={"notification_id": notification.pk}).state == "SUCCESS"
    assert len(push_service.to(busy)) == 3
    assert alice.push_subscriptions.get().last_success_at is not None


def test_a_refusal_that_will_not_change_is_counted_not_retried(push_service, alice, bob):
    phone = push_service.browser("phone")
    subscribe(alice, phone)
    push_service.answer(phone, 403)  # e.g. subscribed with another VAPID key
    assert push_send(subscription=alice.push_subscriptions.get(), payload={}) is PushOutcome.FAILED
    assert alice.push_subscriptions.get().failure_count == 1


def test_push_test_reaches_each_browser(push_service, alice):
    phone = push_service.browser("phone")
    subscribe(alice, phone)
    assert push_test(user=alice) == 1
    assert push_service.message(push_service.to(phone)[0], phone)["tag"] == "test"


def test_a_browser_belongs_to_whoever_subscribed_it_last(push_service, alice, bob):
    phone = push_service.browser("phone")
    subscribe(alice, phone)
    subscribe(bob, phone)
    assert PushSubscription.objects.get().user == bob


@pytest.mark.parametrize("endpoint", [
    "http://push.example.com/x", "https://10.0.0.1/internal", "https://[::1]/x", "https://localhost/x",
    "https://intranet/x",
])
def test_endpoints_our_server_should_not_post_to_are_refused_in_production(settings, alice, endpoint):
    settings.WEB_PUSH_ALLOW_HTTP = False
    with pytest.raises(ApplicationError) as refused:
        push_subscription_save(user=alice, endpoint=endpoint, p256dh="x", auth="y")
    assert refused.value.code == "push_subscription_invalid"
    assert push_subscription_save(user=alice, endpoint="https://fcm.googleapis.com/fcm/send/abc", p256dh="x", auth="y")


def test_nothing_is_pushed_to_a_deactivated_recipient(push_service, alice, bob):
    phone = push_service.browser("phone")
    subscribe(alice, phone)
    notification = notification_create(recipient=alice, kind="new_follower", actor=bob)
    alice.deactivated_at = timezone.now()
    alice.save()
    notification_deliver(notification_id=notification.pk)
    assert push_service.to(phone) == []  # the stand-in answers before push_send returns: nothing was sent


def test_a_kind_without_push_is_not_pushed(push_service, alice):
    phone = push_service.browser("phone")
    subscribe(alice, phone)
    notification = notification_create(recipient=alice, kind=GamificationKind.LEVEL_UP, data={"level": 3})
    assert not notification_deliver(notification_id=notification.pk)
    assert push_service.to(phone) == []
