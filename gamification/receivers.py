"""Domain signals from accounts and rooms → gamification services (one call each)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.signals import friendship_created, user_active
from rooms.signals import chat_message_sent, room_joined, watch_session_started, watch_time_credited

from .models import Event, EventTask
from .services import activity, event_tasks


@receiver(user_active)
def on_user_active(sender, user, **kwargs):
    activity.daily_login(user=user)


@receiver(friendship_created)
def on_friendship_created(sender, users, **kwargs):
    activity.friendship_reward(users=users)


@receiver(watch_session_started)
def on_watch_session_started(sender, session, **kwargs):
    activity.first_watch_of_day(user=session.user)


@receiver(watch_time_credited)
def on_watch_time_credited(sender, user, room, seconds, **kwargs):
    activity.watch_time_record(user=user, room=room, seconds=seconds)


@receiver(chat_message_sent)
def on_chat_message_sent(sender, message, **kwargs):
    # After the message commits, in its own transaction: XP can wait, and a failure here
    # (Redis or the database briefly down) is logged and costs the XP, never the message.
    author = message.author  # a lambda, not a partial: robust on_commit logs the callback's __qualname__
    transaction.on_commit(lambda: activity.chat_message_record(user=author), robust=True)


@receiver(room_joined)
def on_room_joined(sender, member, **kwargs):
    activity.room_join_record(user=member.user)


@receiver([post_save, post_delete], sender=Event)
@receiver([post_save, post_delete], sender=EventTask)
def on_event_schedule_changed(sender, **kwargs):
    event_tasks.schedule_changed()
