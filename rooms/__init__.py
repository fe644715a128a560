"""Watch-party and voice rooms: sync, chat, invites, hallway, partner matching (issue: rooms)."""
