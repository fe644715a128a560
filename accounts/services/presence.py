"""Presence: online while the user has at least one fresh WebSocket; pushed to friends.

Each connect and disconnect locks the user row, so two tabs opening and closing at
once cannot leave friends with the wrong state.
"""

from django.db import transaction
from django.utils import timezone

from config.realtime import publish_on_commit, user_group

from .. import events
from ..models import PresenceConnection, User
from ..selectors import friend_ids, presence_cutoff


def _is_online(user_id: int) -> bool:
    return PresenceConnection.objects.filter(user_id=user_id, last_heartbeat_at__gte=presence_cutoff()).exists()


def _announce(user: User, *, is_online: bool) -> None:
    groups = [user_group(friend_id) for friend_id in friend_ids(user_id=user.pk)]
    if groups:
        publish_on_commit(groups, events.presence_changed(user, is_online=is_online))


def presence_connect(*, user_id: int, channel_name: str) -> None:
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        was_online = _is_online(user_id)
        PresenceConnection.objects.create(user=user, channel_name=channel_name, last_heartbeat_at=timezone.now())
        if not was_online:
            _announce(user, is_online=True)


def presence_heartbeat(*, channel_name: str) -> None:
    PresenceConnection.objects.filter(channel_name=channel_name).update(last_heartbeat_at=timezone.now())


def _went_offline(user_id: int) -> None:
    """Inside a transaction holding the user lock, after removing connections."""
    if _is_online(user_id):
        return
    user = User.objects.get(pk=user_id)
    user.last_seen_at = timezone.now()
    user.save(update_fields=["last_seen_at"])
    _announce(user, is_online=False)


def presence_disconnect(*, user_id: int, channel_name: str) -> None:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user_id).values_list("pk").first()
        if PresenceConnection.objects.filter(channel_name=channel_name).delete()[0]:
            _went_offline(user_id)


def presence_sweep() -> int:
    """Drop connections whose process died without a goodbye (beat: every minute)."""
    stale = PresenceConnection.objects.filter(last_heartbeat_at__lt=presence_cutoff())
    user_ids = set(stale.values_list("user_id", flat=True))
    for user_id in user_ids:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user_id).values_list("pk").first()
            if PresenceConnection.objects.filter(user_id=user_id, last_heartbeat_at__lt=presence_cutoff()).delete()[0]:
                _went_offline(user_id)
    return len(user_ids)
