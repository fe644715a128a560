"""The notifications guilds send (accounts.notification_registry): invites and join requests are
answered from the bell."""

from django.db.models import TextChoices
from django.urls import reverse

from accounts.notification_registry import register_kinds


class NotificationKind(TextChoices):
    GUILD_INVITE = "guild_invite", "Guild invite"
    GUILD_JOIN_REQUEST = "guild_join_request", "Request to join your guild"
    GUILD_REQUEST_ACCEPTED = "guild_request_accepted", "Guild request accepted"


def _action(label: str, url: str, *, then: str | None = None, is_primary: bool = False) -> dict:
    return {"label": label, "method": "POST", "url": url, "then": then, "is_primary": is_primary}


def _url(kind: str, data: dict) -> str | None:
    return reverse("guild", kwargs={"slug": data["guild"]}) if "guild" in data else None


def _actions(kind: str, data: dict) -> list[dict]:
    if kind == NotificationKind.GUILD_INVITE and "invite" in data:
        return [
            _action("Accept", reverse("api-guild-invite-accept", kwargs={"pk": data["invite"]}),
                    then=reverse("guild", kwargs={"slug": data["guild"]}), is_primary=True),
            _action("Decline", reverse("api-guild-invite-decline", kwargs={"pk": data["invite"]})),
        ]
    if kind == NotificationKind.GUILD_JOIN_REQUEST and "request" in data:
        ids = {"slug": data["guild"], "pk": data["request"]}
        return [
            _action("Approve", reverse("api-guild-join-request-approve", kwargs=ids), is_primary=True),
            _action("Decline", reverse("api-guild-join-request-reject", kwargs=ids)),
        ]
    return []


register_kinds(NotificationKind, url=_url, actions=_actions, texts={
    NotificationKind.GUILD_INVITE: "@{actor} invited you to join the guild {guild_name}",
    NotificationKind.GUILD_JOIN_REQUEST: "@{actor} asked to join {guild_name}",
    NotificationKind.GUILD_REQUEST_ACCEPTED: "You're in! @{actor} let you into {guild_name}",
})
