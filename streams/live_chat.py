"""A channel's live chat (rules: streams.chat_policy), its moderators and its alerts: thin services over
the chat core (chat.services) for the stream socket and the API. Every write takes the acting user;
anonymous viewers read but are refused (`stream_chat_sign_in`).

A ban (or its lift) changes what the user may do in the stream's relay room (streams.selectors
.stream_media_rights: a banned user never publishes), so it asks the relay to re-read the rights after
commit, the way a stream key's revocation drops a WHIP publisher (streams.stream_keys)."""

from django.db import transaction
from django.utils import timezone

from accounts.events import user_summary
from accounts.models import User
from audit.services import audit_record
from chat.models import RestrictionKind
from chat.services import messages, moderation, reactions
from config.errors import ApplicationError, NotFoundError
from config.realtime import publish_on_commit
from media_relay.events import rights_changed

from . import events
from .audit_verbs import AuditVerb
from .chat_policy import STREAM_CHAT, require_signed_in
from .errors import StreamError
from .events import channel_chat_group, stream_relay_group
from .models import Channel, ChannelModerator, ChannelRole, Stream, StreamChatMessage, StreamStatus
from .services import channel_owner_require

ALERT_KINDS = ("donation", "subscription")
ALERT_MESSAGE_MAX = 300


def _user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFoundError(StreamError.MODERATOR_INVALID, "No such user.")
    return user


def _relay_recheck(channel: Channel) -> None:
    """After commit: the live stream's relay re-reads who may publish (a banned stage guest is dropped)."""
    live = Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).values_list("pk", flat=True).first()
    if live is not None:
        publish_on_commit(stream_relay_group(live), rights_changed())


# -- messages -------------------------------------------------------------------------------------
def chat_send(*, actor, channel: Channel, body: str) -> StreamChatMessage:
    return messages.message_post(policy=STREAM_CHAT, context=channel, author=actor, body=body)


def chat_delete(*, actor, channel: Channel, message_id: int) -> StreamChatMessage:
    require_signed_in(actor)
    return messages.message_delete(policy=STREAM_CHAT, context=channel, actor=actor, message_id=message_id)


def reaction_send(*, actor, channel: Channel, emoji: str) -> None:
    require_signed_in(actor)
    reactions.reaction_add(policy=STREAM_CHAT, context=channel, user=actor, emoji=emoji)


# -- moderation -----------------------------------------------------------------------------------
def chat_pin(*, actor, channel: Channel, message_id: int) -> None:
    require_signed_in(actor)
    moderation.message_pin(policy=STREAM_CHAT, context=channel, actor=actor, message_id=message_id)


def chat_unpin(*, actor, channel: Channel) -> None:
    require_signed_in(actor)
    moderation.message_unpin(policy=STREAM_CHAT, context=channel, actor=actor)


def chat_timeout(*, actor, channel: Channel, user_id: int, seconds: int, reason: str = "") -> None:
    require_signed_in(actor)
    moderation.user_timeout(policy=STREAM_CHAT, context=channel, actor=actor, user=_user(user_id), seconds=seconds,
                            reason=reason)


def chat_ban(*, actor, channel: Channel, user_id: int, seconds: int | None = None, reason: str = "") -> None:
    require_signed_in(actor)
    with transaction.atomic():
        moderation.user_ban(policy=STREAM_CHAT, context=channel, actor=actor, user=_user(user_id), seconds=seconds,
                            reason=reason)
        _relay_recheck(channel)


def chat_ban_by_platform(*, actor: User, channel: Channel, user: User, until, reason: str) -> None:
    """Staff ban `user` from the channel (the moderation queue, which audits it): the same ChatRestriction a
    channel moderator gives, and the relay drops them from the stream's stage at once."""
    with transaction.atomic():
        moderation.restriction_set_by_platform(
            policy=STREAM_CHAT, context=channel, actor=actor, user=user, kind=RestrictionKind.BAN,
            duration=until - timezone.now() if until else None, reason=reason)
        _relay_recheck(channel)


def chat_unban(*, actor, channel: Channel, user_id: int) -> None:
    require_signed_in(actor)
    with transaction.atomic():
        moderation.restriction_lift(policy=STREAM_CHAT, context=channel, actor=actor, user=_user(user_id))
        _relay_recheck(channel)


def chat_modes(*, actor, channel: Channel, **modes) -> None:
    """Only the modes given change (chat.services.moderation.chat_modes_update)."""
    require_signed_in(actor)
    moderation.chat_modes_update(policy=STREAM_CHAT, context=channel, actor=actor, **modes)


# -- moderators -----------------------------------------------------------------------------------
def channel_moderator_add(*, actor: User, channel: Channel, handle: str, role: str = ChannelRole.MODERATOR
                          ) -> ChannelModerator:
    """The owner appoints someone (by @handle) to moderate the channel's chat, or as a VIP (a badge); again:
    the same row, with the new role."""
    channel_owner_require(channel=channel, actor=actor)
    user = User.objects.filter(handle__iexact=handle.lstrip("@"), is_active=True).first()
    if user is None or user.pk == channel.owner_id:
        raise ApplicationError(StreamError.MODERATOR_INVALID, "No such user, or the channel's owner.",
                               {"handle": handle})
    with transaction.atomic():
        row, _ = ChannelModerator.objects.update_or_create(channel=channel, user=user, defaults={"role": role})
        audit_record(actor=actor, verb=AuditVerb.MODERATOR_ADDED, target=channel, details={"user": user.pk, "role": role})
    return row


def channel_moderator_remove(*, actor: User, channel: Channel, user_id: int) -> None:
    channel_owner_require(channel=channel, actor=actor)
    with transaction.atomic():
        if ChannelModerator.objects.filter(channel=channel, user_id=user_id).delete()[0] == 0:
            raise NotFoundError(StreamError.MODERATOR_INVALID, "Not a moderator of this channel.")
        audit_record(actor=actor, verb=AuditVerb.MODERATOR_REMOVED, target=channel, details={"user": user_id})


# -- alerts ---------------------------------------------------------------------------------------
def stream_alert_publish(*, stream: Stream, kind: str, actor: User | None, amount_minor: int | None = None,
                         currency: str | None = None, message: str = "") -> events.Alert:
    """THE alerts hook (the monetization issue calls it once the money moved): a donation or subscription
    shown in the channel's chat and on its overlay page (/c/<slug>/overlay/), after the caller's commit."""
    if kind not in ALERT_KINDS or (amount_minor is not None and amount_minor < 0) \
            or (currency is not None and len(currency) != 3) or len(message) > ALERT_MESSAGE_MAX:
        raise ApplicationError(StreamError.ALERT_INVALID, "Not an alert we show.")
    alert: events.Alert = {
        "kind": kind, "actor": user_summary(actor) if actor is not None else None, "amount_minor": amount_minor,
        "currency": currency.upper() if currency else None, "message": message.strip(),
        "created_at": timezone.now().isoformat(),
    }
    publish_on_commit(channel_chat_group(stream.channel_id), events.alert_shown(alert))
    return alert
