"""Event tasks: progress from what users do, completion rewards exactly once, the events page and API."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from accounts.signals import friendship_created, user_active
from gamification import selectors
from gamification.models import EventTaskProgress, PlayerStats, UnlockSource, UserBadge, UserDecoration, XpEntry
from gamification.rules import Reason, TaskKind, task_progress_label
from gamification.services import activity
from gamification.services.event_tasks import SCHEDULE_CACHE_KEY, event_task_progress, schedule
from rooms.signals import chat_message_sent, room_joined, watch_time_credited
from tests.rooms.factories import RoomFactory

from .factories import BadgeFactory, DecorationFactory, EventFactory, EventTaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def progress_of(user, task) -> tuple[int, bool]:
    row = EventTaskProgress.objects.filter(user=user, task=task).first()
    return (row.progress, row.completed_at is not None) if row else (0, False)


def task_xp(user) -> list[tuple[str, int]]:
    return list(XpEntry.objects.filter(user=user, reason=Reason.EVENT_TASK).values_list("key", "amount"))


def test_chat_messages_count_and_the_last_one_completes_the_task_once(published, commit):
    user = UserFactory()
    badge = BadgeFactory()
    task = EventTaskFactory(kind=TaskKind.SEND_MESSAGES, target=3, xp_reward=150, badge=badge)
    with commit():
        for _ in range(5):
            chat_message_sent.send(sender=None, message=SimpleNamespace(author=user))
    assert progress_of(user, task) == (3, True)  # counting stops once done
    assert task_xp(user) == [(f"event_task:{task.pk}", 150)]
    assert UserBadge.objects.get(user=user).badge == badge
    ops = [(e["op"], e["progress"]) for e in published.events("gamification.event_task")]
    assert ops == [("progressed", 1), ("progressed", 2), ("completed", 3)]
    assert published.events("gamification.badge", "earned")[0]["badge"]["slug"] == badge.slug


def test_watching_rooms_friends_and_logins_all_count():
    user, friend = UserFactory(), UserFactory()
    watch = EventTaskFactory(kind=TaskKind.WATCH_HOURS, target=1)
    rooms = EventTaskFactory(kind=TaskKind.JOIN_ROOMS, target=2)
    friends = EventTaskFactory(kind=TaskKind.MAKE_FRIENDS, target=1)
    logins = EventTaskFactory(kind=TaskKind.LOGIN_DAYS, target=2)
    room = RoomFactory()

    watch_time_credited.send(sender=None, user=user, room=room, seconds=1800)
    watch_time_credited.send(sender=None, user=user, room=room, seconds=1800)
    room_joined.send(sender=None, member=SimpleNamespace(user=user))
    friendship_created.send(sender=User, users=(user, friend))
    friendship_created.send(sender=User, users=(user, friend))  # again (unfriended and back): no second step
    user_active.send(sender=User, user=user)
    user_active.send(sender=User, user=user)  # same day: one login

    assert progress_of(user, watch) == (3600, True)
    assert progress_of(user, rooms) == (1, False)
    assert progress_of(user, friends) == (1, True) and progress_of(friend, friends) == (1, True)
    assert progress_of(user, logins) == (1, False)
    activity.daily_login(user=user, now=timezone.now() + timedelta(days=1))
    assert progress_of(user, logins) == (2, True)


def test_sponsored_video_tasks_match_their_video_or_any():
    user = UserFactory()
    this_ad = EventTaskFactory(kind=TaskKind.SPONSORED_VIDEO, target=1, ref="ad-42")
    any_ad = EventTaskFactory(kind=TaskKind.SPONSORED_VIDEO, target=2, ref="")
    assert event_task_progress(user=user, kind=TaskKind.SPONSORED_VIDEO, ref="ad-7") == []
    assert event_task_progress(user=user, kind=TaskKind.SPONSORED_VIDEO, ref="ad-42") == [this_ad.pk, any_ad.pk]
    assert progress_of(user, this_ad) == (1, True) and progress_of(user, any_ad) == (2, True)


def test_only_published_events_count_and_only_while_they_run():
    user = UserFactory()
    now = timezone.now()
    draft = EventTaskFactory(event=EventFactory(is_published=False))
    later = EventTaskFactory(event=EventFactory(starts_at=now + timedelta(days=1)))
    over = EventTaskFactory(event=EventFactory(starts_at=now - timedelta(days=9)))  # ended 2 days ago
    running = EventTaskFactory()
    activity.chat_message_record(user=user)
    assert [progress_of(user, t)[0] for t in (draft, later, over, running)] == [0, 0, 0, 1]
    # and a clock inside the later event's window counts for it
    activity.chat_message_record(user=user, now=now + timedelta(days=2))
    assert progress_of(user, later)[0] == 1


def test_finishing_every_task_gives_the_events_badge_and_decoration(published, commit):
    user = UserFactory()
    badge, frame = BadgeFactory(rarity="legendary"), DecorationFactory(style="ember")
    event = EventFactory(reward_badge=badge, reward_decoration=frame)
    chat = EventTaskFactory(event=event, kind=TaskKind.SEND_MESSAGES, target=1, xp_reward=50)
    join = EventTaskFactory(event=event, kind=TaskKind.JOIN_ROOMS, target=1, xp_reward=500)
    with commit():
        activity.chat_message_record(user=user)
        assert not UserBadge.objects.filter(user=user).exists()
        activity.room_join_record(user=user)
    assert UserBadge.objects.get(user=user).source == UnlockSource.EVENT
    assert UserDecoration.objects.get(user=user).decoration == frame
    assert sorted(task_xp(user)) == sorted([(f"event_task:{chat.pk}", 50), (f"event_task:{join.pk}", 500)])
    assert published.events("gamification.event", "completed") == [
        {"type": "gamification.event", "op": "completed", "event_id": event.pk, "title": event.title}]
    assert PlayerStats.objects.get(user=user).xp == 550


def test_a_running_event_costs_no_query_per_action_once_nothing_runs(django_assert_num_queries):
    user = UserFactory()
    EventFactory(is_published=False)
    schedule()  # cached: nothing runs
    with django_assert_num_queries(0):
        assert event_task_progress(user=user, kind=TaskKind.SEND_MESSAGES) == []


def test_editing_events_clears_the_cached_schedule():
    schedule()
    assert cache.get(SCHEDULE_CACHE_KEY) == []
    task = EventTaskFactory()
    assert cache.get(SCHEDULE_CACHE_KEY) is None
    assert [t.id for t in schedule()] == [task.pk]
    task.event.delete()
    assert schedule() == []


def test_progress_labels():
    assert task_progress_label(TaskKind.WATCH_HOURS, 5400, 3) == "1.5 / 3 h"
    assert task_progress_label(TaskKind.SEND_MESSAGES, 4, 10) == "4 / 10 messages"


def test_events_selector_and_its_query_count(django_assert_num_queries):
    user = UserFactory()
    event = EventFactory(title="Spooky week", kind="seasonal", reward_badge=BadgeFactory())
    EventTaskFactory(event=event, kind=TaskKind.WATCH_HOURS, target=2, badge=BadgeFactory())
    EventTaskFactory(event=event, kind=TaskKind.SEND_MESSAGES, target=10)
    EventFactory(title="Next", starts_at=timezone.now() + timedelta(days=3))
    activity.chat_message_record(user=user)
    with django_assert_num_queries(4):  # events (+ rewards), tasks (+ badges), my progress
        current = selectors.events_list(user=user)
    assert [(e["title"], e["state"]) for e in current] == [("Spooky week", "running"), ("Next", "upcoming")]
    tasks = current[0]["tasks"]
    assert [(t["kind"], t["progress"], t["goal"], t["percent"], t["label"]) for t in tasks] == [
        ("watch_hours", 0, 7200, 0, "0 / 2 h"), ("send_messages", 1, 10, 10, "1 / 10 messages")]


def test_events_page_and_api(client):
    user = UserFactory()
    client.force_login(user)
    event = EventFactory(title="Movie marathon", sponsor_name="Popcorn Co", kind="sponsored")
    task = EventTaskFactory(event=event, kind=TaskKind.SEND_MESSAGES, target=4)
    activity.chat_message_record(user=user)
    html = client.get("/events/").content.decode()
    assert "Movie marathon" in html and "Popcorn Co" in html and f'data-task-id="{task.pk}"' in html
    assert "1 / 4 messages" in html and "width:25%" in html
    body = client.get("/api/v1/events/").json()
    assert body[0]["tasks"][0]["progress"] == 1 and body[0]["state"] == "running"
    assert client.get(f"/api/v1/events/{event.slug}/").json()["title"] == "Movie marathon"
    assert client.get("/api/v1/events/nope/").json()["code"] == "event_not_found"
    assert client.get("/api/v1/events/?state=past").json() == []


def test_events_page_with_nothing_on(client):
    client.force_login(UserFactory())
    assert "No events right now" in client.get("/events/").content.decode()


def test_staff_schedule_events_tasks_and_badges_in_the_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    event = EventFactory(reward_badge=BadgeFactory(), reward_decoration=DecorationFactory())
    EventTaskFactory(event=event)
    for url in ("/admin/gamification/event/add/", f"/admin/gamification/event/{event.pk}/change/",
                "/admin/gamification/badge/add/", "/admin/gamification/decoration/", "/admin/gamification/xpentry/",
                "/admin/gamification/weeklyreset/", "/admin/gamification/premiumgrant/"):
        assert client.get(url).status_code == 200, url
    start = timezone.now().replace(microsecond=0)
    response = client.post("/admin/gamification/event/add/", {
        "title": "Spring fling", "slug": "spring-fling", "kind": "seasonal", "description": "", "sponsor_name": "",
        "starts_at_0": start.strftime("%Y-%m-%d"), "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": (start + timedelta(days=3)).strftime("%Y-%m-%d"), "ends_at_1": start.strftime("%H:%M:%S"),
        "is_published": "on",
        "tasks-TOTAL_FORMS": "1", "tasks-INITIAL_FORMS": "0", "tasks-MIN_NUM_FORMS": "0", "tasks-MAX_NUM_FORMS": "1000",
        "tasks-0-position": "1", "tasks-0-kind": "watch_hours", "tasks-0-title": "Watch 2 hours", "tasks-0-target": "2",
        "tasks-0-ref": "", "tasks-0-xp_reward": "250", "tasks-0-description": "",
    })
    assert response.status_code == 302, response.content[:2000]
    assert [(t.kind, t.goal, t.xp_reward) for t in schedule() if t.event_title == "Spring fling"] == [("watch_hours", 7200, 250)]
