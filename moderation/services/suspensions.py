"""Platform bans (suspensions), audited: the moderation queue's and the User admin's "Suspend"."""

from datetime import datetime

from django.db import transaction

from accounts.models import User
from accounts.services.suspensions import user_suspension_lift, user_suspension_set
from audit.services import audit_record
from streams.stage import stage_seats_end_for_user

from ..audit_verbs import AuditVerb


def user_suspend(*, actor: User, user: User, until: datetime | None, reason: str) -> User:
    """Suspend `user` until `until` (None: for good): signed out everywhere, sockets closed (4451), relay
    peers dropped, sign-in and API tokens refused until then."""
    with transaction.atomic():
        user_suspension_set(user=user, until=until, reason=reason)
        stage_seats_end_for_user(user=user)
        audit_record(actor=actor, verb=AuditVerb.USER_SUSPENDED, target=user,
                     details={"until": user.suspended_until.isoformat(), "reason": reason[:200]})
    return user


def user_unsuspend(*, actor: User, user: User) -> User:
    with transaction.atomic():
        user_suspension_lift(user=user)
        audit_record(actor=actor, verb=AuditVerb.SUSPENSION_LIFTED, target=user)
    return user
