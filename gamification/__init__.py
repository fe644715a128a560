"""XP ledger, levels, leaderboards, events and badges (issue: gamification)."""
