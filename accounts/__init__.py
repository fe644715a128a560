"""Users, profiles, sessions, the social graph, notifications and presence."""
