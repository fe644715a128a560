"""Platform bans: the account's state, kept on the user row so every layer checks it with no query.

Only the moderation app decides (and audits) a suspension; this sets the state and ends what the
account had open: every session (its sockets close with Disconnect.BANNED; the relay drops its
peers through accounts.signals.session_ended). Signing in again does not undo it (accounts.adapters).
"""

from datetime import datetime

from django.db import transaction

from config.disconnects import Disconnect

from ..models import SUSPENDED_FOR_GOOD, User
from .sessions import sessions_end_all


def user_suspension_set(*, user: User, until: datetime | None, reason: str) -> User:
    """Suspend `user` until `until` (None: for good) and sign them out everywhere at once."""
    with transaction.atomic(savepoint=False):  # all or nothing with the caller's transaction: no savepoint
        user.suspended_until = until or SUSPENDED_FOR_GOOD
        user.suspension_reason = reason[:200]
        user.save(update_fields=["suspended_until", "suspension_reason"])
        sessions_end_all(user=user, reason="account_suspended", disconnect=Disconnect.BANNED)
    return user


def user_suspension_lift(*, user: User) -> User:
    user.suspended_until, user.suspension_reason = None, ""
    user.save(update_fields=["suspended_until", "suspension_reason"])
    return user
