"""One active session per account: a new sign-in ends every other one."""

from django.db import transaction

from config.disconnects import Disconnect
from config.realtime import publish_on_commit, session_group

from .. import events
from ..models import DeviceSession, User
from ..selectors import session_store
from ..signals import session_ended


def _end(device_session: DeviceSession, *, reason: str, disconnect: Disconnect = Disconnect.SESSION_ENDED) -> None:
    # The sockets' close is registered first, so it is the first publish after the commit (before the
    # relay's, which session_ended's receivers register): a ban's sockets close sooner (bench/ban_propagation.py).
    publish_on_commit(
        session_group(device_session.session_key),
        events.session_force_logout(reason=reason),
        disconnect=disconnect,
    )
    session_store(device_session.session_key).delete()
    device_session.delete()
    session_ended.send(sender=User, user_id=device_session.user_id, session_key=device_session.session_key)


def session_start(*, user: User, session_key: str, user_agent: str = "", ip_address: str | None = None) -> DeviceSession:
    """Record the new session and end the account's others (their sockets get force_logout)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()  # one sign-in at a time
        for other in DeviceSession.objects.filter(user=user).exclude(session_key=session_key):
            _end(other, reason="signed_in_elsewhere")
        device_session, _ = DeviceSession.objects.update_or_create(
            session_key=session_key,
            defaults={"user": user, "user_agent": user_agent[:300], "ip_address": ip_address},
        )
    return device_session


def session_end(*, session_key: str, reason: str = "signed_out") -> None:
    """The session was signed out: close its sockets. (Django already flushed the session.)"""
    with transaction.atomic():
        for user_id in DeviceSession.objects.filter(session_key=session_key).values_list("user_id", flat=True):
            session_ended.send(sender=User, user_id=user_id, session_key=session_key)
        DeviceSession.objects.filter(session_key=session_key).delete()
        publish_on_commit(
            session_group(session_key), events.session_force_logout(reason=reason), disconnect=Disconnect.SESSION_ENDED
        )


def sessions_end_all(*, user: User, reason: str, disconnect: Disconnect = Disconnect.SESSION_ENDED) -> None:
    """End every session of `user`; their sockets close with `disconnect`'s code (config.ws)."""
    with transaction.atomic(savepoint=False):  # inside a ban's transaction: no savepoint round trips
        for device_session in DeviceSession.objects.filter(user=user):
            _end(device_session, reason=reason, disconnect=disconnect)
