"""What a token may do: the scopes of personal API tokens and of OAuth apps' tokens (docs/api.md).

A browser session is its user and has no scopes. A token's reads need `read`; a write needs the scope
its view names in `token_scopes` ({"post": Scope.CHAT_WRITE}); a write whose view names none is open only
to a personal token that holds every scope (the owner's own script, as before scopes). Checked for every
API view by accounts.api.permissions.TokenScopes.
"""

from enum import StrEnum


class Scope(StrEnum):
    READ = "read"
    CHAT_WRITE = "chat:write"
    ROOMS_WRITE = "rooms:write"
    FOLLOWS_WRITE = "follows:write"
    STREAM_MANAGE = "stream:manage"
    CLIPS_WRITE = "clips:write"  # for the clip-create view (vods): token_scopes = {"post": Scope.CLIPS_WRITE}
    WEBHOOKS = "webhooks"
    PAYMENTS_READ = "payments:read"
    PAYMENTS_WRITE = "payments:write"


DESCRIPTIONS = {
    Scope.READ: "Read public rooms, channels, streams, profiles and what you can see",
    Scope.CHAT_WRITE: "Send chat messages as you",
    Scope.ROOMS_WRITE: "Create and join rooms as you",
    Scope.FOLLOWS_WRITE: "Follow and unfollow people and channels as you",
    Scope.STREAM_MANAGE: "Manage your channel's streams: title, category, going live, ending",
    Scope.CLIPS_WRITE: "Create clips as you",
    Scope.WEBHOOKS: "Manage webhooks that tell the app about your channel's events",
    Scope.PAYMENTS_READ: "See your premium, subscriptions, donations, earnings, payouts and ads' figures",
    Scope.PAYMENTS_WRITE: "Start checkouts (premium, subscriptions, donations) and open your billing portal",
}

def all_scopes() -> str:
    """Every scope, as a scope string (a callable: the model default follows the enum without a migration)."""
    return " ".join(Scope)


def scope_set(scope: str) -> set[str]:
    """The scopes in a space-separated scope string (OAuth's format, also used by personal tokens)."""
    return set(scope.split())
