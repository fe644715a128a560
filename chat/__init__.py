"""The chat core under every chat (rooms, guilds, streams, direct messages): messages, text rules,
rate limits, history and resync, and the live-chat moderation toolkit. Each context plugs in with a
ChatPolicy (chat/policy.py); docs/chat.md."""
