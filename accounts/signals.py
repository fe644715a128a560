"""Domain signals other apps listen to (gamification, events), sent by accounts services
inside their transactions, so a listener's writes commit or roll back with the change."""

from django.dispatch import Signal

# sender=User model; kwargs: users=(a, b)
friendship_created = Signal()
# sender=User model; kwargs: user. Sent on sign-in and whenever the site is opened (the
# per-user socket connects); listeners make it count once per day.
user_active = Signal()
# sender=User model; kwargs: user_id, session_key. A signed-in session ended (signed out, or signed
# in elsewhere); what it opened should close (the media relay's connections, for one).
session_ended = Signal()
