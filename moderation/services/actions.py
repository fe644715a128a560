"""Staff act on a case from the queue: one action settles it, with a reason, audited, and the reporters
and the reported user are told. The case row is locked, so two staff acting at once get one result."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import SUSPENDED_FOR_GOOD, User
from accounts.services.notifications import notification_create
from audit.services import audit_record
from config.errors import ApplicationError, ConflictError
from guilds.services.membership import guild_member_ban_by_platform
from rooms.services.membership import member_ban_by_platform
from streams.live_chat import chat_ban_by_platform
from streams.models import Channel
from streams.services import channel_suspend_by_platform

from ..audit_verbs import AuditVerb
from ..errors import ModerationError
from ..models import ActionKind, BanScope, Case, CaseAction, CaseStatus
from ..notification_kinds import NotificationKind
from ..spam import chat_timeout_set
from ..targets import target_kind
from .suspensions import user_suspend

MAX_TIMEOUT = timedelta(days=14)
MAX_TEMPORARY = timedelta(days=3650)
VERBS = {
    ActionKind.DISMISS: AuditVerb.CASE_DISMISSED, ActionKind.DELETE: AuditVerb.CONTENT_DELETED,
    ActionKind.HIDE: AuditVerb.CONTENT_HIDDEN, ActionKind.WARN: AuditVerb.USER_WARNED,
    ActionKind.TIMEOUT: AuditVerb.USER_TIMED_OUT, ActionKind.BAN: AuditVerb.USER_BANNED,
    ActionKind.SUSPEND_CHANNEL: AuditVerb.CHANNEL_SUSPENDED,
}


def _invalid(message: str, **extra) -> ApplicationError:
    return ApplicationError(ModerationError.ACTION_INVALID, message, extra)


def case_assign(*, actor: User, case: Case, assignee: User | None) -> Case:
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        case.assigned_to = assignee
        case.save(update_fields=["assigned_to", "updated_at"])
        audit_record(actor=actor, verb=AuditVerb.CASE_ASSIGNED, target=case,
                     details={"assignee": assignee.handle if assignee else None})
    return case


def case_act(*, actor: User, case: Case, action: str, reason: str, scope: str = "",
             duration: timedelta | None = None) -> CaseAction:
    """Settle an open case. duration: a timeout's (required) or a ban's / suspension's (None: for good)."""
    if action not in ActionKind.values:
        raise _invalid("Unknown action.", choices=ActionKind.values)
    reason = reason.strip()
    if not reason:
        raise _invalid("Give a reason.")
    if duration is not None and not timedelta(seconds=1) <= duration <= MAX_TEMPORARY:
        raise ApplicationError(ModerationError.DURATION_INVALID, "Pick a duration from 1 second to 10 years.")
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("target_user").get(pk=case.pk)
        if case.status != CaseStatus.OPEN:
            raise ConflictError(ModerationError.CASE_NOT_OPEN, "Someone already settled this case.",
                                {"status": case.status})
        info = target_kind(case.target_kind)
        target = info.load(case.target_id) if info else None
        until = timezone.now() + duration if duration is not None else None
        _apply(actor=actor, case=case, info=info, target=target, action=action, reason=reason, scope=scope,
               until=until)
        case.status = CaseStatus.DISMISSED if action == ActionKind.DISMISS else CaseStatus.RESOLVED
        case.resolved_at = timezone.now()
        case.save(update_fields=["status", "resolved_at", "updated_at"])
        done = CaseAction.objects.create(case=case, actor=actor, kind=action, scope=scope, reason=reason[:500],
                                         target_user=case.target_user, until=until)
        audit_record(actor=actor, verb=VERBS[action], target=case, details={
            "target": f"{case.target_kind}:{case.target_id}", "user": case.target_user_id, "scope": scope,
            "until": until.isoformat() if until else None, "reason": reason[:200]})
        _notify(case=case, done=done)
    return done


def _apply(*, actor, case: Case, info, target, action: str, reason: str, scope: str, until) -> None:
    user = case.target_user
    if action == ActionKind.DISMISS or (action == ActionKind.WARN and user is not None):
        return  # the notification is the warning; CaseAction keeps it in the user's history
    if target is None and action in (ActionKind.DELETE, ActionKind.HIDE):
        return  # already gone
    if action == ActionKind.DELETE:
        if info.remove is None:
            raise _invalid(f"A {info.label.lower()} can't be deleted from here.")
        info.remove(target, actor, reason)
    elif action == ActionKind.HIDE:
        if info.hide is None:
            raise _invalid(f"A {info.label.lower()} can't be hidden.")
        info.hide(target, actor, reason)
    elif user is None:
        raise _invalid("Nobody to act on: the content has no author.")
    elif action == ActionKind.TIMEOUT:
        if until is None or until - timezone.now() > MAX_TIMEOUT:
            raise ApplicationError(ModerationError.DURATION_INVALID, "A timeout lasts from 1 second to 14 days.")
        chat_timeout_set(user_id=user.pk, until=until)
    elif action == ActionKind.BAN:
        _ban(actor=actor, user=user, info=info, target=target, scope=scope, until=until, reason=reason)
    elif action == ActionKind.SUSPEND_CHANNEL:
        channel = Channel.objects.filter(owner=user).first()
        if channel is None:
            raise _invalid("This user has no channel.")
        channel_suspend_by_platform(channel=channel, until=until or SUSPENDED_FOR_GOOD)


def _ban(*, actor, user: User, info, target, scope: str, until, reason: str) -> None:
    if scope == BanScope.PLATFORM:
        user_suspend(actor=actor, user=user, until=until, reason=reason)
        return
    communities = info.communities(target) if target is not None else {}
    if scope not in communities:
        raise ApplicationError(ModerationError.SCOPE_INVALID, "Ban from where this was posted, or the platform.",
                               {"choices": [*communities, BanScope.PLATFORM]})
    where = communities[scope]
    if scope == BanScope.ROOM:
        member_ban_by_platform(actor=actor, room=where, target=user, until=until)
    elif scope == BanScope.GUILD:
        guild_member_ban_by_platform(actor=actor, guild=where, target=user, until=until or SUSPENDED_FOR_GOOD)
    else:  # a channel: the same ban its own moderators give (chat.ChatRestriction); the relay re-reads it
        chat_ban_by_platform(actor=actor, channel=where, user=user, until=until, reason=reason)


def _notify(*, case: Case, done: CaseAction) -> None:
    outcome = ActionKind(done.kind).label.lower() if done.kind != ActionKind.DISMISS else "no rule was broken"
    target = case.target_repr
    reporters = User.objects.filter(pk__in=case.reports.values("reporter_id"))
    for reporter in reporters:
        notification_create(recipient=reporter, kind=NotificationKind.REPORT_RESOLVED,
                            data={"target": target, "outcome": outcome, "case": case.pk})
    if done.kind != ActionKind.DISMISS and case.target_user is not None:
        notification_create(recipient=case.target_user, kind=NotificationKind.ACTION_TAKEN, data={
            "target": target, "outcome": outcome, "reason": done.reason,
            "until": done.until.isoformat() if done.until else None})
