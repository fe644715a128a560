"""Reads of any context's chat: history pages, resync, modes, pins and restrictions."""

from django.db.models import Q
from django.utils import timezone

from . import events
from .models import ChatRestriction, ChatSettings
from .policy import ChatPolicy


def messages_page(*, policy: ChatPolicy, context, after_id: int | None = None, before_id: int | None = None,
                  limit: int | None = None) -> list:
    """Oldest first: the `limit` after `after_id` (resync after a reconnect), else the latest before `before_id`
    (scrolling back), else the latest. One query."""
    limit = limit or policy.history_size
    messages = policy.message_model.objects.filter(**{policy.context_field: context}).select_related("author")
    if after_id is not None:
        return list(messages.filter(pk__gt=after_id).order_by("id")[:limit])
    if before_id is not None:
        messages = messages.filter(pk__lt=before_id)
    return list(reversed(messages.order_by("-id")[:limit]))


def chat_settings(*, policy: ChatPolicy, context) -> ChatSettings | None:
    return (ChatSettings.objects.select_related("pinned_by")
            .filter(context_kind=policy.kind, context_id=context.pk).first())


def active_restriction(*, policy: ChatPolicy, context, user) -> ChatRestriction | None:
    """The user's timeout or ban here that has not run out (none for an anonymous viewer)."""
    if not user.is_authenticated:
        return None
    return (ChatRestriction.objects.select_related("user")
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
                    context_kind=policy.kind, context_id=context.pk, user=user).first())


def pinned_message(*, policy: ChatPolicy, context, settings: ChatSettings | None):
    """The pinned message, unless it was deleted since."""
    if settings is None or settings.pinned_message_id is None:
        return None
    return (policy.message_model.objects.select_related("author")
            .filter(**{policy.context_field: context}, pk=settings.pinned_message_id, deleted_at__isnull=True).first())


def chat_snapshot(*, policy: ChatPolicy, context, user) -> events.ChatState:
    """The chat part of a hello: the last messages, the pin, the modes and what the user may do. 5 queries
    (messages, settings, pin, restriction, and whatever the policy's is_moderator and badges read)."""
    settings = chat_settings(policy=policy, context=context)
    pinned = pinned_message(policy=policy, context=context, settings=settings)
    restriction = active_restriction(policy=policy, context=context, user=user)
    return {
        "messages": [policy.message_payload(m) for m in messages_page(policy=policy, context=context)],
        "pinned": events.pin_payload(settings, pinned, policy) if pinned else None,
        "modes": events.modes_payload(settings, slow_mode_seconds=policy.slow_mode_seconds(context, settings)),
        "me": {"is_moderator": policy.is_moderator(context, user), "badges": [badge.value for badge in policy.badges(context, user)],
               "restriction": events.restriction_payload(restriction) if restriction else None},
    }
