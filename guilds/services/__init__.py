"""Every write of the guilds app. Membership changes lock the guild row first (see membership.py)."""
