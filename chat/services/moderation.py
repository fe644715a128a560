"""The live-chat moderation toolkit: pins, timeouts, bans and modes in any context whose ChatPolicy
uses_moderation. Every action is a moderator's (ChatPolicy.is_moderator), audited and broadcast to the
context's group after commit: the restricted user's own sockets are in it, so they are told at once."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit

from .. import events
from ..audit_verbs import AuditVerb
from ..errors import ChatError
from ..models import ChatRestriction, ChatSettings, RestrictionKind
from ..policy import ChatPolicy

MAX_TIMEOUT = timedelta(days=14)
MAX_TEMPORARY_BAN = timedelta(days=365)
MAX_SLOW_MODE_SECONDS = 3600
MAX_FOLLOW_AGE_MINUTES = 90 * 24 * 60


def _require_moderator(policy: ChatPolicy, context, actor: User) -> None:
    if not policy.uses_moderation:
        raise ForbiddenError(ChatError.NOT_A_MODERATOR, "This chat has no moderation tools.")
    if not policy.is_moderator(context, actor):
        raise ForbiddenError(ChatError.NOT_A_MODERATOR, "Only the chat's moderators can do that.")


def _settings_locked(policy: ChatPolicy, context) -> ChatSettings:
    """The context's settings row, created if missing, locked: one moderator's change at a time."""
    ChatSettings.objects.get_or_create(context_kind=policy.kind, context_id=context.pk)
    return ChatSettings.objects.select_for_update().get(context_kind=policy.kind, context_id=context.pk)


def _context_label(policy: ChatPolicy, context) -> str:
    return f"{policy.kind}.{context.pk}"


# -- pins ---------------------------------------------------------------------------------------------
def message_pin(*, policy: ChatPolicy, context, actor: User, message_id: int) -> ChatSettings:
    """Pin a message: one per context, a new pin replaces the last."""
    _require_moderator(policy, context, actor)
    with transaction.atomic():
        settings = _settings_locked(policy, context)
        message = (policy.message_model.objects.select_related("author")
                   .filter(**{policy.context_field: context}, pk=message_id, deleted_at__isnull=True).first())
        if message is None:
            raise NotFoundError(ChatError.MESSAGE_NOT_FOUND, "No such message.")
        settings.pinned_message_id, settings.pinned_by, settings.pinned_at = message.pk, actor, timezone.now()
        settings.save(update_fields=["pinned_message_id", "pinned_by", "pinned_at"])
        audit_record(actor=actor, verb=AuditVerb.MESSAGE_PINNED, target=message,
                     details={"context": _context_label(policy, context)})
        publish_on_commit(policy.group(context), events.pinned(events.pin_payload(settings, message, policy)))
    return settings


def message_unpin(*, policy: ChatPolicy, context, actor: User) -> None:
    _require_moderator(policy, context, actor)
    with transaction.atomic():
        settings = _settings_locked(policy, context)
        if settings.pinned_message_id is None:
            raise NotFoundError(ChatError.NOTHING_PINNED, "No message is pinned.")
        message_id = settings.pinned_message_id
        settings.pinned_message_id, settings.pinned_by, settings.pinned_at = None, None, None
        settings.save(update_fields=["pinned_message_id", "pinned_by", "pinned_at"])
        audit_record(actor=actor, verb=AuditVerb.MESSAGE_UNPINNED, target=settings,
                     details={"context": _context_label(policy, context), "message": message_id})
        publish_on_commit(policy.group(context), events.unpinned(message_id))


# -- timeouts and bans -------------------------------------------------------------------------------
def _restrict(*, policy: ChatPolicy, context, actor: User, user: User, kind: str, duration: timedelta | None,
              reason: str) -> ChatRestriction:
    _require_moderator(policy, context, actor)
    if user.pk == actor.pk or not policy.can_be_restricted(context, user):
        raise ForbiddenError(ChatError.TARGET_INVALID, "The owner and moderators can't be timed out or banned.")
    return restriction_set_by_platform(policy=policy, context=context, actor=actor, user=user, kind=kind,
                                       duration=duration, reason=reason)


def restriction_set_by_platform(*, policy: ChatPolicy, context, actor: User | None, user: User, kind: str,
                                duration: timedelta | None, reason: str) -> ChatRestriction:
    """A timeout or ban decided above the chat's own moderators: staff from the moderation queue, or
    AutoMod (actor None). The same row, audit and event as a moderator's."""
    expires_at = timezone.now() + duration if duration is not None else None
    with transaction.atomic():
        # One row per (context, user), by the constraint: a ban replaces a timeout, a new timeout the last one.
        restriction, _ = ChatRestriction.objects.update_or_create(
            context_kind=policy.kind, context_id=context.pk, user=user,
            defaults={"kind": kind, "expires_at": expires_at, "reason": reason[:200], "created_by": actor,
                      "created_at": timezone.now()},
        )
        verb = AuditVerb.USER_BANNED if kind == RestrictionKind.BAN else AuditVerb.USER_TIMED_OUT
        audit_record(actor=actor, verb=verb, target=user, details={
            "context": _context_label(policy, context), "expires_at": expires_at.isoformat() if expires_at else None,
            "reason": reason[:200]})
        publish_on_commit(policy.group(context), events.restriction_changed(restriction))
    return restriction


def user_timeout(*, policy: ChatPolicy, context, actor: User, user: User, seconds: int,
                 reason: str = "") -> ChatRestriction:
    """Silence `user` in this chat for `seconds` (1 s to 14 days)."""
    if not 1 <= seconds <= MAX_TIMEOUT.total_seconds():
        raise ApplicationError(ChatError.DURATION_INVALID, "A timeout lasts from 1 second to 14 days.",
                               {"min": 1, "max": int(MAX_TIMEOUT.total_seconds())})
    return _restrict(policy=policy, context=context, actor=actor, user=user, kind=RestrictionKind.TIMEOUT,
                     duration=timedelta(seconds=seconds), reason=reason)


def user_ban(*, policy: ChatPolicy, context, actor: User, user: User, seconds: int | None = None,
             reason: str = "") -> ChatRestriction:
    """Ban `user` from this chat for `seconds` (1 s to 365 days) or, with None, for good."""
    if seconds is not None and not 1 <= seconds <= MAX_TEMPORARY_BAN.total_seconds():
        raise ApplicationError(ChatError.DURATION_INVALID, "A ban lasts from 1 second to 365 days, or for good.",
                               {"min": 1, "max": int(MAX_TEMPORARY_BAN.total_seconds())})
    return _restrict(policy=policy, context=context, actor=actor, user=user, kind=RestrictionKind.BAN,
                     duration=None if seconds is None else timedelta(seconds=seconds), reason=reason)


def restriction_lift(*, policy: ChatPolicy, context, actor: User, user: User) -> None:
    """End `user`'s timeout or ban here early."""
    _require_moderator(policy, context, actor)
    with transaction.atomic():
        deleted, _ = ChatRestriction.objects.filter(context_kind=policy.kind, context_id=context.pk, user=user).delete()
        if not deleted:
            raise NotFoundError(ChatError.TARGET_INVALID, "That user is neither timed out nor banned here.")
        audit_record(actor=actor, verb=AuditVerb.RESTRICTION_LIFTED, target=user,
                     details={"context": _context_label(policy, context)})
        publish_on_commit(policy.group(context), events.restriction_lifted(user.pk))


# -- modes -------------------------------------------------------------------------------------------
_UNSET = object()


def chat_modes_update(*, policy: ChatPolicy, context, actor: User, slow_mode_seconds=_UNSET, is_emote_only=_UNSET,
                      followers_only_minutes=_UNSET, is_subscribers_only=_UNSET) -> ChatSettings:
    """Change any of the modes (the others stay): slow mode 0 (off) to 3600 s; followers-only None (off) or a
    minimum follow age of 0 to 129600 minutes (90 days); emote-only and subscribers-only on or off."""
    _require_moderator(policy, context, actor)
    changes = {name: value for name, value in {
        "slow_mode_seconds": slow_mode_seconds, "is_emote_only": is_emote_only,
        "followers_only_minutes": followers_only_minutes, "is_subscribers_only": is_subscribers_only,
    }.items() if value is not _UNSET}
    invalid = {}
    if "slow_mode_seconds" in changes and not (isinstance(slow_mode_seconds, int)
                                               and 0 <= slow_mode_seconds <= MAX_SLOW_MODE_SECONDS):
        invalid["slow_mode_seconds"] = f"0 to {MAX_SLOW_MODE_SECONDS}"
    if "followers_only_minutes" in changes and followers_only_minutes is not None and not (
            isinstance(followers_only_minutes, int) and 0 <= followers_only_minutes <= MAX_FOLLOW_AGE_MINUTES):
        invalid["followers_only_minutes"] = f"null, or 0 to {MAX_FOLLOW_AGE_MINUTES}"
    for name in ("is_emote_only", "is_subscribers_only"):
        if name in changes and not isinstance(changes[name], bool):
            invalid[name] = "true or false"
    if invalid or not changes:
        raise ApplicationError(ChatError.MODES_INVALID, "Those chat modes are not valid.", {"fields": invalid})
    with transaction.atomic():
        settings = _settings_locked(policy, context)
        for name, value in changes.items():
            setattr(settings, name, value)
        settings.save(update_fields=list(changes))
        audit_record(actor=actor, verb=AuditVerb.MODES_CHANGED, target=settings,
                     details={"context": _context_label(policy, context), **changes})
        modes = events.modes_payload(settings, slow_mode_seconds=policy.slow_mode_seconds(context, settings))
        publish_on_commit(policy.group(context), events.modes_updated(modes))
    return settings


def context_forget(*, policy: ChatPolicy, context) -> None:
    """A context is deleted: its chat settings and restrictions go with it (they hold no foreign key to it)."""
    ChatSettings.objects.filter(context_kind=policy.kind, context_id=context.pk).delete()
    ChatRestriction.objects.filter(context_kind=policy.kind, context_id=context.pk).delete()
