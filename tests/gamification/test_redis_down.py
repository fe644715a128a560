"""Chat and XP while Redis (the cache) is down: the message is stored, the XP counted after it commits."""

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError

from gamification.models import DailyActivity, EventTaskProgress
from gamification.rules import TaskKind
from gamification.services.event_tasks import schedule
from rooms.models import ChatMessage
from rooms.services.chat import message_send
from tests.rooms.factories import RoomFactory

from .factories import EventTaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for name in ("get", "set"):
        monkeypatch.setattr(cache, name, refuse)


def test_the_event_schedule_is_read_from_the_database_while_the_cache_is_down(redis_down):
    task = EventTaskFactory(kind=TaskKind.SEND_MESSAGES)
    assert [t.id for t in schedule()] == [task.pk]


def test_a_chat_message_is_stored_while_redis_is_down_and_counts_once_it_committed(redis_down, commit, published):
    room = RoomFactory()
    task = EventTaskFactory(kind=TaskKind.SEND_MESSAGES, target=5)
    with commit() as callbacks:
        message = message_send(author=room.created_by, room=room, body="still here")
        assert not DailyActivity.objects.filter(user=room.created_by).exists()  # nothing waits inside the write
    assert callbacks and ChatMessage.objects.filter(pk=message.pk).exists()
    assert DailyActivity.objects.get(user=room.created_by).chat_messages == 1
    assert EventTaskProgress.objects.get(user=room.created_by, task=task).progress == 1


def test_xp_that_fails_to_count_after_commit_costs_the_xp_not_the_message(monkeypatch, commit, published):
    from gamification.services import activity

    def fail(**kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(activity, "chat_message_record", fail)
    room = RoomFactory()
    with commit():
        message = message_send(author=room.created_by, room=room, body="still here")
    assert ChatMessage.objects.filter(pk=message.pk).exists()
    assert published.events("rooms.chat", "created")  # the events after it still go out
