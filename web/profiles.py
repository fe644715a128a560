"""A public profile: the account's part (accounts) with the player's (gamification) and the guild's."""

from accounts import selectors as account_selectors
from accounts.models import User
from gamification.selectors import badge_showcase, player_stats, watch_hours
from guilds.selectors import guild_for_user
from rooms.practice import practice_summary
from vods.selectors import vods_of_owner, with_thumbnails


def profile_get(*, handle: str, viewer: User | None) -> dict:
    """A public profile as the viewer may see it."""
    profile = account_selectors.profile_get(handle=handle, viewer=viewer)
    owner = profile["user"]
    return {
        **profile,
        "stats": player_stats(user=owner),
        "watch_hours": watch_hours(user=owner) if profile["can_see_stats"] else None,
        "badges": badge_showcase(user=owner),  # the showcase (up to 5); the title and frame are in stats
        "guild": guild_for_user(user=owner),
        "vods": with_thumbnails(vods_of_owner(owner=owner, viewer=viewer)[:6]),
        "practice": practice_summary(user=owner) if profile["can_see_practice"] else None,
    }
