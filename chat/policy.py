"""What a context (a room, a guild, a stream, a conversation) tells the chat core: the ChatPolicy.

The core (chat.services, chat.selectors) holds the mechanics every chat shares; each context
subclasses ChatPolicy once, in its own app, to say who may read, post, delete, pin and moderate,
where events go and what they look like, and which extra rules apply. Hooks a higher app fills
(followers-only's follow age, subscribers-only) are methods too: a policy returns what it knows.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from .models import MAX_MESSAGE_LENGTH, AbstractMessage, ChatSettings
from .rate_limits import RATE_MAX_MESSAGES, RATE_WINDOW_SECONDS


class Badge(StrEnum):
    """Chat badges, in the order they are shown."""

    OWNER = "owner"
    MODERATOR = "moderator"
    VIP = "vip"
    SUBSCRIBER = "subscriber"
    FOUNDER = "founder"
    PREMIUM = "premium"


class ChatPolicy:
    """One context's chat rules. Every method takes the context object (a Room, a Guild, ...)."""

    kind: ClassVar[str]  # "room", "guild", "stream", ...: keys the core's moderation rows and the filter hook
    message_model: ClassVar[type[AbstractMessage]]
    context_field: ClassVar[str]  # the message model's foreign key to its context, e.g. "room"
    max_length: ClassVar[int] = MAX_MESSAGE_LENGTH
    history_size: ClassVar[int] = 50
    # Whether modes (slow, emote-only, followers-only, subscribers-only), pins, timeouts and bans of the
    # core's tables apply: two more queries per message (the settings and the author's restriction).
    uses_moderation: ClassVar[bool] = False

    def rate_limit(self) -> tuple[int, float]:
        """At most this many messages per author in this many seconds (everyone, moderators too)."""
        return RATE_MAX_MESSAGES, RATE_WINDOW_SECONDS

    # -- who ----------------------------------------------------------------------------------------
    def lock_author(self, context, user):
        """Inside the send's transaction: lock and return the author's participation (their membership row),
        so one author's messages are checked one at a time; raise when they may not post here."""
        raise NotImplementedError

    def check_post(self, context, user, participant):
        """The context's own refusals after lock_author (chat off, muted, ...); return the context, re-read
        if the rules need it fresh."""
        return context

    def is_moderator(self, context, user, participant=None) -> bool:
        """May moderate this chat (delete anyone's message, pin, time out, ban, change modes); exempt from
        slow mode and the modes."""
        raise NotImplementedError

    def check_delete(self, context, actor, message) -> None:
        """Raise unless `actor` may delete `message` (usually its author or a moderator), with the context's codes."""
        raise NotImplementedError

    def can_be_restricted(self, context, user) -> bool:
        """Whether `user` may be timed out or banned here (never the owner or a moderator)."""
        return not self.is_moderator(context, user)

    def followed_at(self, context, user) -> datetime | None:
        """Followers-only hook: since when `user` follows the context's owner (None: not a follower)."""
        return None

    def is_subscriber(self, context, user) -> bool:
        """Subscribers-only hook (the monetization issue fills it)."""
        return False

    def badges(self, context, user) -> list[Badge]:
        """The badges shown next to `user`'s messages here, in Badge order."""
        return [Badge.PREMIUM] if user.is_premium else []

    def slow_mode_seconds(self, context, chat_settings: ChatSettings | None) -> int:
        return chat_settings.slow_mode_seconds if chat_settings else 0

    # -- where and what -----------------------------------------------------------------------------
    def group(self, context) -> str:
        """Every socket in the context."""
        raise NotImplementedError

    def user_group(self, context, user_id: int) -> str:
        """Every socket one user has open in the context (told at once of their timeout or ban)."""
        raise NotImplementedError

    def message_create(self, context, author, body: str) -> AbstractMessage:
        """Store the message (inside the send's transaction; mentions, signals)."""
        return self.message_model.objects.create(**{self.context_field: context}, author=author, body=body)

    def message_payload(self, message) -> dict:
        raise NotImplementedError

    def created_event(self, message) -> dict:
        raise NotImplementedError

    def deleted_event(self, message) -> dict:
        raise NotImplementedError
