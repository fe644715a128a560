"""Watch sessions: the time each member spends in a room, counting only active time.

The room socket sends a heartbeat every 25 s saying whether the tab is visible and the
user active. Time between two heartbeats counts when the first said "active" and the
gap is short: a closed laptop stops heartbeats, so its time never counts.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ..models import Room, RoomMember, WatchSession
from ..signals import watch_session_started, watch_time_credited

MAX_GAP = timedelta(seconds=90)


def _credit(session: WatchSession, now, user: User, room: Room) -> None:
    gap = now - session.last_heartbeat_at
    if session.is_active and timedelta(0) < gap <= MAX_GAP:
        seconds = int(gap.total_seconds())
        session.active_seconds += seconds
        watch_time_credited.send(sender=WatchSession, user=user, room=room, seconds=seconds)


def watch_heartbeat(*, user: User, room: Room, is_active: bool) -> WatchSession:
    """Record a heartbeat: credit the time since the last one, open a session if none is."""
    now = timezone.now()
    with transaction.atomic():
        RoomMember.objects.filter(room=room, user=user).update(last_heartbeat_at=now)
        session = WatchSession.objects.select_for_update().filter(user=user, room=room, ended_at__isnull=True).first()
        if session is None:
            session = WatchSession.objects.create(user=user, room=room, last_heartbeat_at=now, is_active=is_active)
            watch_session_started.send(sender=WatchSession, session=session)
            return session
        _credit(session, now, user, room)
        session.last_heartbeat_at, session.is_active = now, is_active
        session.save(update_fields=["active_seconds", "last_heartbeat_at", "is_active"])
    return session


def watch_session_end(*, user: User, room: Room) -> WatchSession | None:
    now = timezone.now()
    with transaction.atomic():
        session = WatchSession.objects.select_for_update().filter(user=user, room=room, ended_at__isnull=True).first()
        if session is None:
            return None
        _credit(session, now, user, room)
        session.ended_at = now
        session.save(update_fields=["active_seconds", "ended_at"])
    return session


def watch_sessions_close_stale(*, now=None) -> int:
    """Close sessions whose heartbeats stopped (crashed tab, dead server). Credits nothing more."""
    now = now or timezone.now()
    stale = WatchSession.objects.filter(ended_at__isnull=True, last_heartbeat_at__lt=now - MAX_GAP)
    return stale.update(ended_at=now)
