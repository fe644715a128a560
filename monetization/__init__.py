"""Premium, channel subscriptions, donations and ads (issue: monetization)."""
