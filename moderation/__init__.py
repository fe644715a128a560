"""Moderation queue, bans and the audit trail (issue: moderation)."""
