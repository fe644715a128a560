"""A channel's live chat on the chat core (chat/, docs/chat.md): STREAM_CHAT.

The context is the channel, not one stream: bans, timeouts, modes and the pin are the channel's and
carry over from one stream to the next (a viewer banned on Monday is still banned on Tuesday), and the
history runs on. Posting needs an account and a live stream; the owner and the channel's moderators
(streams.models.ChannelModerator, role moderator) moderate; a VIP there only wears the badge. Followers-only reads ChannelFollow.created_at;
subscribers-only and the subscriber / founder badges ask `channel_subscription`, the hook the
monetization issue fills.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from accounts.models import User
from chat.policy import Badge, ChatPolicy
from config.errors import ForbiddenError

from . import events
from .errors import StreamError
from .models import Channel, ChannelFollow, ChannelModerator, ChannelRole, StreamChatMessage, StreamStatus
from .selectors import CHAT_CONTEXT_KIND


@dataclass(frozen=True)
class ChannelSubscription:
    is_subscriber: bool = False
    is_founder: bool = False  # among the channel's first subscribers


NO_SUBSCRIPTION = ChannelSubscription()


_subscription_reader = None


def channel_subscription_reader_set(reader) -> None:
    """monetization registers `reader(*, channel, user) -> ChannelSubscription` here (AppConfig.ready)."""
    global _subscription_reader
    _subscription_reader = reader


def channel_subscription(*, channel: Channel, user: User) -> ChannelSubscription:
    """THE monetization hook: whether `user` subscribes to `channel` (subscribers-only mode, the subscriber
    and founder badges). streams may not import monetization: its reader is registered above."""
    if _subscription_reader is None:
        return NO_SUBSCRIPTION
    return _subscription_reader(channel=channel, user=user)


def require_signed_in(user) -> None:
    """Anonymous viewers read the chat; posting, reacting and moderating need an account."""
    if not user.is_authenticated:
        raise ForbiddenError(StreamError.SIGN_IN_TO_CHAT, "Sign in to chat.")


class StreamChatPolicy(ChatPolicy):
    kind = CHAT_CONTEXT_KIND
    message_model = StreamChatMessage
    context_field = "channel"
    uses_moderation = True

    def lock_author(self, context: Channel, user) -> User:
        """The author's user row, locked (one message of theirs checked at a time), with whether they
        moderate the channel: one query."""
        require_signed_in(user)
        moderates = ChannelModerator.objects.filter(channel=context, user=OuterRef("pk"), role=ChannelRole.MODERATOR)
        return User.objects.select_for_update(of=("self",)).annotate(moderates=Exists(moderates)).get(pk=user.pk)

    def check_post(self, context: Channel, user, participant) -> Channel:
        if not context.streams.filter(status=StreamStatus.LIVE).exists():
            raise ForbiddenError(StreamError.CHAT_NOT_LIVE, "The channel is not live.")
        return context

    def is_moderator(self, context: Channel, user, participant=None) -> bool:
        if not user.is_authenticated:
            return False
        if context.owner_id == user.pk:
            return True
        if participant is not None:
            return participant.moderates
        return ChannelModerator.objects.filter(channel=context, user=user, role=ChannelRole.MODERATOR).exists()

    def check_delete(self, context: Channel, actor, message: StreamChatMessage) -> None:
        require_signed_in(actor)
        if message.author_id != actor.pk and not self.is_moderator(context, actor):
            raise ForbiddenError(StreamError.NOT_CHANNEL_OWNER, "Only the author or a moderator can delete a message.")

    def followed_at(self, context: Channel, user):
        return ChannelFollow.objects.filter(channel=context, user=user).values_list("created_at", flat=True).first()

    def is_subscriber(self, context: Channel, user) -> bool:
        return channel_subscription(channel=context, user=user).is_subscriber

    def badges(self, context: Channel, user) -> list[Badge]:
        if not user.is_authenticated:
            return []
        badges = []
        if context.owner_id == user.pk:
            badges.append(Badge.OWNER)
        else:  # one query: a moderator's badge, or a VIP's
            role = ChannelModerator.objects.filter(channel=context, user=user).values_list("role", flat=True).first()
            badges += {ChannelRole.MODERATOR: [Badge.MODERATOR], ChannelRole.VIP: [Badge.VIP]}.get(role, [])
        subscription = channel_subscription(channel=context, user=user)
        if subscription.is_subscriber:
            badges.append(Badge.SUBSCRIBER)
        if subscription.is_founder:
            badges.append(Badge.FOUNDER)
        return badges + super().badges(context, user)

    def group(self, context: Channel) -> str:
        return events.channel_chat_group(context.pk)

    def message_create(self, context: Channel, author, body: str) -> StreamChatMessage:
        badges = [badge.value for badge in self.badges(context, author)]
        return StreamChatMessage.objects.create(channel=context, author=author, body=body, badges=badges)

    def message_payload(self, message: StreamChatMessage) -> events.StreamChatMessage:
        return events.chat_message_payload(message)

    def created_event(self, message: StreamChatMessage) -> events.ChatCreated:
        return events.chat_created(message)

    def deleted_event(self, message: StreamChatMessage) -> events.ChatDeleted:
        return events.chat_deleted(message)


STREAM_CHAT = StreamChatPolicy()
