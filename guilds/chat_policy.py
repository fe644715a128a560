"""Guild chat's policy on the chat core (chat/): members chat; the author, officers and the leader delete."""

from chat.policy import Badge, ChatPolicy
from config.errors import ForbiddenError

from . import events, selectors
from .errors import GuildError
from .models import Guild, GuildMember, GuildMessage, GuildRole


class GuildChatPolicy(ChatPolicy):
    kind = "guild"
    message_model = GuildMessage
    context_field = "guild"

    def lock_author(self, context: Guild, user) -> GuildMember:
        member = GuildMember.objects.select_for_update().filter(guild=context, user=user).first()
        if member is None:
            raise ForbiddenError(GuildError.NOT_A_MEMBER, "Only members of this guild can chat here.")
        return member

    def _member(self, guild: Guild, user) -> GuildMember | None:
        return GuildMember.objects.filter(guild=guild, user=user).first()

    def is_moderator(self, context: Guild, user, participant: GuildMember | None = None) -> bool:
        return selectors.can_manage(participant or self._member(context, user))

    def check_delete(self, context: Guild, actor, message: GuildMessage) -> None:
        member = self._member(context, actor)
        if member is None or (message.author_id != actor.pk and not selectors.can_manage(member)):
            raise ForbiddenError(GuildError.NOT_ALLOWED, "Only the author, an officer or the leader can delete a message.")

    def badges(self, context: Guild, user) -> list[Badge]:
        member = self._member(context, user)
        role = {GuildRole.LEADER: [Badge.OWNER], GuildRole.OFFICER: [Badge.MODERATOR]}.get(member.role if member else None, [])
        return role + super().badges(context, user)

    def group(self, context: Guild) -> str:
        return events.guild_group(context.pk)

    def message_payload(self, message: GuildMessage) -> events.Message:
        return events.message_payload(message)

    def created_event(self, message: GuildMessage) -> events.ChatCreated:
        return events.chat_created(message)

    def deleted_event(self, message: GuildMessage) -> events.ChatDeleted:
        return events.chat_deleted(message)


GUILD_CHAT = GuildChatPolicy()
