"""The one-way layers between apps (README, "How the apps talk to each other").

tests/test_layers.py holds every import in every app to this table; config.schema derives from it
which error codes an endpoint can answer with (its app's and those of the apps below it).
"""

# Which app each app may import (besides itself). Lower layers first.
ALLOWED = {
    "config": set(),  # plumbing
    "accounts": {"config"},
    "audit": {"config", "accounts"},
    # the chat core under every chat: messages, text rules, rate limits, history, moderation toolkit
    "chat": {"config", "accounts", "audit"},
    "rooms": {"config", "accounts", "chat"},
    "guilds": {"config", "accounts", "audit", "chat", "rooms"},
    "media_relay": {"config", "accounts", "audit", "rooms"},
    "gamification": {"config", "accounts", "audit", "rooms", "guilds"},
    # channels, live streams, live chat; rights in the relay; Watch together queues a stream in a room
    "streams": {"config", "accounts", "audit", "chat", "media_relay", "rooms"},
    # recordings become VODs (renditions, chapters, watch history) and clips; XP through gamification
    "vods": {"config", "accounts", "audit", "chat", "media_relay", "rooms", "guilds", "gamification", "streams"},
    # payments (dj-stripe), premium, channel subscriptions, donations, payouts, the ad marketplace
    "monetization": {"config", "accounts", "audit", "chat", "media_relay", "rooms", "guilds", "gamification",
                     "streams", "vods"},
    # direct messages, group conversations and calls from a conversation
    "dms": {"config", "accounts", "audit", "chat", "media_relay", "rooms"},
    # reports, bans and the queue read every app's content, so moderation sits on top of them
    "moderation": {"config", "accounts", "audit", "chat", "rooms", "guilds", "gamification", "media_relay",
                   "streams", "vods", "monetization", "dms"},
    # the platform for third parties: OAuth apps, scoped tokens, outgoing webhooks
    "developers": {"config", "accounts", "audit", "chat", "rooms", "guilds", "gamification", "media_relay",
                   "streams", "vods", "monetization", "dms", "moderation"},
    "web": {"config", "accounts", "audit", "chat", "rooms", "guilds", "gamification", "media_relay", "streams",
            "vods", "monetization", "dms", "moderation", "developers"},
}


def reachable(app: str) -> set[str]:
    """`app` and every app it may call, directly or through another."""
    found, todo = {app}, [app]
    while todo:
        for below in ALLOWED.get(todo.pop(), set()):
            if below not in found:
                found.add(below)
                todo.append(below)
    return found
