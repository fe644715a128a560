"""Quiet hours: no e-mail or Web Push between a start and an end in the user's time zone (past midnight
too); the bell still fills. Set and cleared over the API."""

import datetime

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import QuietHours
from accounts.notification_kinds import NotificationKind
from accounts.selectors import is_quiet_now
from accounts.services.delivery import notification_deliver, quiet_hours_set
from accounts.services.notifications import notification_create

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, zone: str = "UTC") -> datetime.datetime:
    from zoneinfo import ZoneInfo

    return datetime.datetime(2026, 12, 7, hour, minute, tzinfo=ZoneInfo(zone))


def test_quiet_hours_follow_the_users_zone_and_may_pass_midnight(alice):
    alice.timezone = "Europe/Paris"
    alice.save(update_fields=["timezone"])
    quiet_hours_set(user=alice, starts=datetime.time(22, 0), ends=datetime.time(7, 0))
    assert is_quiet_now(user=alice, now=at(23, 30, "Europe/Paris"))
    assert is_quiet_now(user=alice, now=at(5, 0, "UTC"))  # 06:00 in Paris
    assert not is_quiet_now(user=alice, now=at(6, 0, "UTC"))  # 07:00 in Paris: over
    assert not is_quiet_now(user=alice, now=at(12, 0, "Europe/Paris"))
    quiet_hours_set(user=alice, starts=datetime.time(13, 0), ends=datetime.time(14, 0))
    assert is_quiet_now(user=alice, now=at(13, 15, "Europe/Paris"))
    assert not is_quiet_now(user=alice, now=at(23, 30, "Europe/Paris"))


def test_no_e_mail_during_quiet_hours_but_the_bell_fills(alice, bob, monkeypatch):
    monkeypatch.setattr("accounts.services.delivery.is_quiet_now", lambda **kwargs: True)
    note = notification_create(recipient=alice, kind=NotificationKind.FRIEND_REQUEST, actor=bob,
                               data={"friend_request_id": 1})
    assert not notification_deliver(notification_id=note.pk)  # nothing left to retry either
    assert mail.outbox == [] and note.read_at is None
    monkeypatch.setattr("accounts.services.delivery.is_quiet_now", lambda **kwargs: False)
    notification_deliver(notification_id=note.pk)
    assert len(mail.outbox) == 1


def test_set_read_and_clear_over_the_api(alice):
    client = APIClient()
    client.force_login(alice)
    assert client.get("/api/v1/me/quiet-hours/").json() == {"starts": None, "ends": None}
    response = client.put("/api/v1/me/quiet-hours/", {"starts": "22:00", "ends": "07:00"}, format="json")
    assert response.status_code == 200 and response.json() == {"starts": "22:00:00", "ends": "07:00:00"}
    response = client.put("/api/v1/me/quiet-hours/", {"starts": "22:00", "ends": "22:00"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "quiet_hours_invalid")
    assert client.delete("/api/v1/me/quiet-hours/").status_code == 204
    assert not QuietHours.objects.filter(user=alice).exists()


def test_the_settings_page_shows_them(client, alice):
    client.force_login(alice)
    assert 'id="quiet-hours-form"' in client.get("/settings/").content.decode()
    quiet_hours_set(user=alice, starts=datetime.time(22, 30), ends=datetime.time(6, 45))
    page = client.get("/settings/").content.decode()
    assert 'value="22:30"' in page and 'value="06:45"' in page and "Turn off" in page


# -- the daily digest ---------------------------------------------------------------------------------------
def test_with_the_digest_on_notifications_wait_for_one_e_mail_a_day(alice, bob, carol):
    from django.utils import timezone

    from accounts.services.delivery import email_digest_set, email_digests_send

    email_digest_set(user=alice, is_on=True)
    for actor, request_id in ((bob, 1), (carol, 2)):
        note = notification_create(recipient=alice, kind=NotificationKind.FRIEND_REQUEST, actor=actor,
                                   data={"friend_request_id": request_id})
        notification_deliver(notification_id=note.pk)
    notification_create(recipient=alice, kind=NotificationKind.NEW_FOLLOWER, actor=bob)  # offers no e-mail
    assert mail.outbox == []  # none one by one
    assert email_digests_send() == 1
    assert email_digests_send() == 0  # once a day
    [message] = mail.outbox
    assert message.to == ["alice@example.com"] and message.subject.endswith("2 notifications")
    assert "@bob sent you a friend request" in message.body and "@carol sent you a friend request" in message.body
    assert "started following" not in message.body
    assert email_digests_send(now=timezone.now() + datetime.timedelta(days=1)) == 0  # nothing new the next day
    email_digest_set(user=alice, is_on=False)
    assert email_digests_send(now=timezone.now() + datetime.timedelta(days=2)) == 0


def test_the_digest_over_the_api(alice):
    client = APIClient()
    client.force_login(alice)
    assert client.get("/api/v1/me/email-digest/").json() == {"is_on": False}
    assert client.put("/api/v1/me/email-digest/", {"is_on": True}, format="json").json() == {"is_on": True}
    assert 'id="digest-off"' in client.get("/settings/").content.decode()
