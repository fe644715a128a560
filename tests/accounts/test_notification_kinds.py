"""Each app registers its own notification kinds (accounts.notification_registry); kinds are plain strings."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import TextChoices

from accounts.models import Notification
from accounts.notification_kinds import NotificationKind as AccountKind
from accounts.notification_registry import kind_info, register_kinds
from accounts.services.notifications import notification_create
from gamification.notification_kinds import NotificationKind as GamificationKind
from guilds.notification_kinds import NotificationKind as GuildKind
from rooms.notification_kinds import NotificationKind as RoomKind
from tests.accounts.factories import UserFactory


def test_every_app_s_kinds_are_registered_with_a_text():
    for enum in (AccountKind, RoomKind, GuildKind, GamificationKind):
        for kind in enum:
            assert kind_info(kind.value).label == kind.label and kind_info(kind.value).text


def test_a_kind_cannot_be_registered_twice():
    class Clash(TextChoices):
        LEVEL_UP = "level_up", "Level up again"

    with pytest.raises(ValueError, match="registered twice"):
        register_kinds(Clash, texts={Clash.LEVEL_UP: "x"})


@pytest.mark.django_db
def test_an_unregistered_kind_is_refused_before_anything_is_written():
    with pytest.raises(ValidationError):
        notification_create(recipient=UserFactory(), kind="nobody_registered_this")
    assert not Notification.objects.exists()
