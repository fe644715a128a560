"""Posting and deleting messages in any context's chat: the shared mechanics, the context's ChatPolicy
for everything that differs. Persisted first, then broadcast after commit."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ForbiddenError, NotFoundError
from config.realtime import publish_on_commit

from .. import events, selectors
from ..audit_verbs import AuditVerb
from ..errors import ChatError
from ..filters import FilterRefusal, apply_filters
from ..models import ChatSettings, RestrictionKind
from ..policy import ChatPolicy
from ..rate_limits import check_message_rate, check_slow_mode
from ..text import body_clean, is_emote_only


def message_post(*, policy: ChatPolicy, context, author: User, body: str):
    """Refusals in this order: the text (empty, too long, NUL), the context's (not a participant, chat off,
    muted, ...), a timeout or ban, the modes (subscribers-, followers-, emote-only), slow mode, the rate
    limit, the filters. Moderators skip the restriction, the modes and slow mode, never the rate limit."""
    body = body_clean(body, max_length=policy.max_length)
    now = timezone.now()
    try:
        return _message_post(policy=policy, context=context, author=author, body=body, now=now)
    except FilterRefusal as refusal:
        if refusal.follow_up is not None:
            refusal.follow_up()  # e.g. AutoMod's timeout, written after the message's transaction rolled back
        raise


def _message_post(*, policy: ChatPolicy, context, author: User, body: str, now):
    with transaction.atomic():
        participant = policy.lock_author(context, author)
        context = policy.check_post(context, author, participant)
        is_moderator = policy.is_moderator(context, author, participant)
        chat_settings = None
        if policy.uses_moderation:
            chat_settings = selectors.chat_settings(policy=policy, context=context)
            if not is_moderator:
                check_restriction(policy=policy, context=context, user=author)
                _check_modes(policy=policy, context=context, author=author, settings=chat_settings, body=body, now=now)
        mine = policy.message_model.objects.filter(**{policy.context_field: context}, author=author)
        slow_mode = policy.slow_mode_seconds(context, chat_settings)
        if slow_mode and not is_moderator:
            check_slow_mode(mine=mine, now=now, seconds=slow_mode)
        max_messages, window_seconds = policy.rate_limit()
        check_message_rate(mine=mine, now=now, max_messages=max_messages, window_seconds=window_seconds)
        body = apply_filters(body=body, kind=policy.kind, context=context, author=author)
        message = policy.message_create(context, author, body)
        publish_on_commit(policy.group(context), policy.created_event(message))
    return message


def check_restriction(*, policy: ChatPolicy, context, user: User) -> None:
    """Refuse a timed-out or banned user (chatting, reacting; a context checks it for its own actions too)."""
    restriction = selectors.active_restriction(policy=policy, context=context, user=user)
    if restriction is None:
        return
    extra = {"expires_at": restriction.expires_at.isoformat() if restriction.expires_at else None}
    if restriction.kind == RestrictionKind.BAN:
        raise ForbiddenError(ChatError.BANNED, "You are banned from this chat.", extra)
    raise ForbiddenError(ChatError.TIMED_OUT, "You are timed out in this chat.", extra)


def _check_modes(*, policy: ChatPolicy, context, author: User, settings: ChatSettings | None, body: str, now) -> None:
    if settings is None:
        return
    if settings.is_subscribers_only and not policy.is_subscriber(context, author):
        raise ForbiddenError(ChatError.SUBSCRIBERS_ONLY, "Only subscribers can chat right now.")
    if settings.followers_only_minutes is not None:
        since = policy.followed_at(context, author)
        minutes = settings.followers_only_minutes
        if since is None or (now - since).total_seconds() < minutes * 60:
            raise ForbiddenError(ChatError.FOLLOWERS_ONLY, f"Only followers of at least {minutes} min can chat right now.",
                                 {"followers_only_minutes": minutes})
    if settings.is_emote_only and not is_emote_only(body):
        raise ForbiddenError(ChatError.EMOTE_ONLY, "Only emotes right now.")


def message_delete(*, policy: ChatPolicy, context, actor: User, message_id: int):
    """The author or whoever the policy allows removes a message (kept, blanked)."""
    with transaction.atomic():
        message = (policy.message_model.objects.select_for_update()
                   .filter(**{policy.context_field: context}, pk=message_id, deleted_at__isnull=True).first())
        if message is None:
            raise NotFoundError(ChatError.MESSAGE_NOT_FOUND, "No such message.")
        policy.check_delete(context, actor, message)
        _delete(policy=policy, context=context, actor=actor, message=message)
        if policy.uses_moderation:
            _moderated_delete(policy=policy, context=context, actor=actor, message=message)
    return message


def message_delete_by_platform(*, policy: ChatPolicy, actor: User, message_id: int):
    """Staff remove a reported message from the moderation queue (they audit it): no moderator check."""
    with transaction.atomic():
        message = policy.message_model.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise NotFoundError(ChatError.MESSAGE_NOT_FOUND, "No such message.")
        if message.deleted_at is None:
            context = getattr(message, policy.context_field)
            _delete(policy=policy, context=context, actor=actor, message=message)
            _unpin(policy=policy, context=context, message=message)
    return message


def _delete(*, policy: ChatPolicy, context, actor: User, message) -> None:
    message.deleted_at, message.deleted_by = timezone.now(), actor
    message.save(update_fields=["deleted_at", "deleted_by"])
    publish_on_commit(policy.group(context), policy.deleted_event(message))


def _moderated_delete(*, policy: ChatPolicy, context, actor: User, message) -> None:
    """With the toolkit: a moderator's delete of someone else's message is audited, and a pinned message
    is unpinned."""
    if message.author_id != actor.pk:
        audit_record(actor=actor, verb=AuditVerb.MESSAGE_DELETED, target=message,
                     details={"context": f"{policy.kind}.{context.pk}", "author": message.author_id})
    _unpin(policy=policy, context=context, message=message)


def _unpin(*, policy: ChatPolicy, context, message) -> None:
    if ChatSettings.objects.filter(context_kind=policy.kind, context_id=context.pk, pinned_message_id=message.pk,
                                   ).update(pinned_message_id=None, pinned_by=None, pinned_at=None):
        publish_on_commit(policy.group(context), events.unpinned(message.pk))
