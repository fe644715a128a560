"""Delivery beyond the in-app list: which kinds offer which channels, each user's choice per kind, the
e-mail (text + HTML, unsubscribe link that works signed out), and who never gets anything."""

import re

import pytest
from django.core import mail
from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, Notification, NotificationPreference
from accounts.notification_kinds import NotificationKind as AccountKind
from accounts.notification_registry import Channel, kind_info, register_kinds
from accounts.selectors import notification_channels, notification_preferences
from accounts.services import notifications as notification_services
from accounts.services.delivery import notification_deliver, notification_preference_set, unsubscribe_token
from accounts.services.notifications import notification_create
from config.errors import ApplicationError
from gamification.notification_kinds import NotificationKind as GamificationKind

pytestmark = pytest.mark.django_db

IN_APP, EMAIL, PUSH = Channel.IN_APP, Channel.EMAIL, Channel.PUSH


def friend_request_note(recipient, actor) -> Notification:
    return notification_create(recipient=recipient, kind=AccountKind.FRIEND_REQUEST, actor=actor,
                               data={"friend_request_id": 7})


# -- the registry: a kind asks for e-mail and push -----------------------------------------------------
def test_kinds_offer_the_channels_they_registered():
    assert kind_info(AccountKind.FRIEND_REQUEST).channels == {IN_APP, EMAIL, PUSH}
    assert kind_info(AccountKind.NEW_FOLLOWER).channels == {IN_APP, PUSH}
    assert kind_info(GamificationKind.LEVEL_UP).channels == {IN_APP}  # registered without either flag


def test_register_kinds_takes_true_or_the_kinds_that_want_a_channel():
    class Demo(TextChoices):
        LOUD = "delivery_demo_loud", "Loud"
        QUIET = "delivery_demo_quiet", "Quiet"

    register_kinds(Demo, texts={Demo.LOUD: "x", Demo.QUIET: "y"}, email={Demo.LOUD}, push=True)
    assert kind_info(Demo.LOUD).channels == {IN_APP, EMAIL, PUSH}
    assert kind_info(Demo.QUIET).channels == {IN_APP, PUSH}


def test_creating_a_notification_queues_its_delivery_only_if_the_kind_offers_more_than_the_list(
        alice, bob, commit, monkeypatch):
    queued = []
    monkeypatch.setattr("accounts.tasks.deliver_notification.delay", queued.append)
    with commit():
        note = friend_request_note(alice, bob)
        notification_create(recipient=alice, kind=GamificationKind.LEVEL_UP, data={"level": 2})
    assert queued == [note.pk]


# -- preferences ----------------------------------------------------------------------------------------------
def test_a_user_narrows_a_kind_to_some_of_its_channels(alice):
    assert notification_channels(user=alice, kind=AccountKind.FRIEND_REQUEST) == {IN_APP, EMAIL, PUSH}
    notification_preference_set(user=alice, kind=AccountKind.NEW_FOLLOWER, channels=[IN_APP, EMAIL])
    assert notification_channels(user=alice, kind=AccountKind.NEW_FOLLOWER) == {IN_APP}  # e-mail isn't offered
    assert NotificationPreference.objects.get(user=alice).channels == [IN_APP]


@pytest.mark.parametrize("kind, channels, code", [
    ("nobody_registered_this", [IN_APP], "notification_kind_unknown"),
    (AccountKind.FRIEND_REQUEST, ["sms"], "notification_channel_invalid"),
])
def test_bad_preferences_are_refused(alice, kind, channels, code):
    with pytest.raises(ApplicationError) as refused:
        notification_preference_set(user=alice, kind=kind, channels=channels)
    assert refused.value.code == code


def test_the_preferences_list_is_one_query_for_every_kind(alice, django_assert_num_queries):
    notification_preference_set(user=alice, kind=AccountKind.FRIEND_REQUEST, channels=[PUSH])
    with django_assert_num_queries(1):
        rows = {row["kind"]: row for row in notification_preferences(user=alice)}
    assert rows[AccountKind.FRIEND_REQUEST]["channels"] == [PUSH]
    assert rows[AccountKind.FRIEND_REQUEST]["available"] == sorted([IN_APP, EMAIL, PUSH])
    assert rows[GamificationKind.LEVEL_UP]["channels"] == [IN_APP]


def test_with_the_list_turned_off_a_notification_is_kept_read_and_not_announced(alice, bob, commit, published, monkeypatch):
    monkeypatch.setattr("accounts.tasks.deliver_notification.delay", lambda pk: None)
    notification_preference_set(user=alice, kind=AccountKind.FRIEND_REQUEST, channels=[PUSH])
    with commit():
        note = friend_request_note(alice, bob)
    assert note.read_at is not None
    assert published.events("notifications.notification", "created") == []
    with commit():
        friend_request_note(bob, alice)
    assert len(published.events("notifications.notification", "created")) == 1  # bob kept the default


# -- e-mail --------------------------------------------------------------------------------------------------
def test_a_kind_that_asks_for_e_mail_is_mailed_as_text_and_html_with_an_unsubscribe_link(alice, bob, settings):
    note = friend_request_note(alice, bob)
    assert not notification_deliver(notification_id=note.pk)
    [message] = mail.outbox
    assert message.to == ["alice@example.com"] and message.subject == "@bob sent you a friend request"
    assert f"{settings.SITE_URL}/friends/" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and "@bob sent you a friend request" in html
    unsubscribe = re.search(r"Stop these e-mails \(no sign-in needed\): (\S+)", message.body).group(1)
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert f'href="{unsubscribe}"' in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_kinds_without_e_mail_and_users_who_turned_it_off_get_none(alice, bob):
    notification_deliver(notification_id=notification_create(recipient=alice, kind=AccountKind.NEW_FOLLOWER, actor=bob).pk)
    notification_preference_set(user=bob, kind=AccountKind.FRIEND_REQUEST, channels=[IN_APP, PUSH])
    notification_deliver(notification_id=friend_request_note(bob, alice).pk)
    assert mail.outbox == []


def test_no_e_mail_to_an_unverified_address(alice, bob):
    alice.emailaddress_set.update(verified=False)
    assert not notification_deliver(notification_id=friend_request_note(alice, bob).pk)
    assert mail.outbox == []


def test_an_smtp_failure_is_left_to_retry(alice, bob, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    pending = notification_deliver(notification_id=friend_request_note(alice, bob).pk)
    assert pending.email and pending.subscription_ids == []


def test_nothing_is_delivered_to_a_deactivated_user_or_between_blocked_users(alice, bob, carol):
    first, second = friend_request_note(alice, bob), friend_request_note(carol, bob)
    alice.deactivated_at = timezone.now()
    alice.save()
    Block.objects.create(blocker=carol, blocked=bob)
    notification_deliver(notification_id=first.pk)
    notification_deliver(notification_id=second.pk)
    assert mail.outbox == []


def test_a_withdrawn_notification_is_not_delivered(alice, bob):
    note = friend_request_note(alice, bob)
    notification_services.notifications_withdraw(kind=AccountKind.FRIEND_REQUEST, data_filter={"friend_request_id": 7})
    assert not notification_deliver(notification_id=note.pk)
    assert mail.outbox == []


# -- the unsubscribe link ------------------------------------------------------------------------------------
def test_the_unsubscribe_link_asks_first_then_stops_that_kind_s_e_mails_signed_out(client, alice, bob):
    url = reverse("notification-unsubscribe", args=[unsubscribe_token(user=alice, kind=AccountKind.FRIEND_REQUEST)])
    page = client.get(url)  # a link scanner fetching it changes nothing
    assert page.status_code == 200 and b"unsubscribe-confirm" in page.content
    assert notification_channels(user=alice, kind=AccountKind.FRIEND_REQUEST) == {IN_APP, EMAIL, PUSH}

    done = client.post(url)  # also the mail client's one-click POST (RFC 8058): no session, no CSRF token
    assert done.status_code == 200 and b"Friend request" in done.content
    assert notification_channels(user=alice, kind=AccountKind.FRIEND_REQUEST) == {IN_APP, PUSH}
    notification_deliver(notification_id=friend_request_note(alice, bob).pk)
    assert mail.outbox == []
    assert notification_channels(user=bob, kind=AccountKind.FRIEND_REQUEST) == {IN_APP, EMAIL, PUSH}


def test_a_forged_or_tampered_unsubscribe_link_is_refused(client, alice):
    token = unsubscribe_token(user=alice, kind=AccountKind.FRIEND_REQUEST)
    for bad in (token[:-2] + "xx", "not-a-token"):
        response = client.post(reverse("notification-unsubscribe", args=[bad]))
        assert response.status_code == 400 and b"not valid" in response.content
    assert not NotificationPreference.objects.exists()


# -- the settings page ---------------------------------------------------------------------------------------
def test_the_settings_page_saves_channels_per_kind(client, alice):
    client.force_login(alice)
    page = client.get(reverse("settings"))
    assert b'id="push-device"' in page.content and b"data-vapid-key=" in page.content
    response = client.post(reverse("settings"), {
        "action": "notification_channels",
        **{f"channels-{row['kind']}": row["channels"] for row in notification_preferences(user=alice)},
        f"channels-{AccountKind.FRIEND_REQUEST}": [IN_APP, PUSH],
    })
    assert response.status_code == 302
    assert list(NotificationPreference.objects.values_list("kind", "channels")) == [(AccountKind.FRIEND_REQUEST, [IN_APP, PUSH])]


def test_the_service_worker_is_served_from_the_site_root(client):
    response = client.get("/sw.js")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "text/javascript"
    assert response["Service-Worker-Allowed"] == "/" and b"showNotification" in body and b"notificationclick" in body
