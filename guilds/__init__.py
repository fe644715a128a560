"""Guilds of at most 10 members (issue: guilds)."""
