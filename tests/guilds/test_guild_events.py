"""Guild events: the leader and officers schedule XP-only events that only the guild's members see
and progress in (gamification.services.guild_events, /api/v1/guilds/{slug}/events/, the guild and events pages).

Event types asserted here: guilds.event created (to guild.<id>).
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import TestCase
from django.utils import timezone

from audit.models import AuditEvent
from gamification.audit_verbs import AuditVerb
from gamification.models import Event, EventTask, EventTaskProgress, XpEntry
from gamification.rules import Reason, TaskKind
from gamification.services.guild_events import MAX_NEW_EVENTS_PER_WEEK, MAX_OPEN_EVENTS, guild_event_create
from guilds.events import guild_group
from guilds.models import GuildActivity, GuildRole
from rooms.signals import chat_message_sent
from tests.api import assert_error, signed_in
from tests.gamification.factories import BadgeFactory, EventTaskFactory
from tests.rooms.conftest import refused

from .factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def crew(guild, bob, carol):
    """Night Owls: alice leads, bob is an officer, carol a member (dave is in no guild)."""
    add_member(guild, bob, role=GuildRole.OFFICER)
    add_member(guild, carol)
    return guild




def payload(**overrides) -> dict:
    starts = timezone.now() + timedelta(minutes=1)
    return {
        "title": "Marathon weekend", "description": "Watch together, chat a lot.",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(days=2)).isoformat(),
        "tasks": [{"kind": "send_messages", "target": 3, "xp_reward": 200},
                  {"kind": "watch_hours", "target": 2, "xp_reward": 300, "title": "Two hours on the couch"}],
        **overrides,
    }


def create(actor, guild, **overrides) -> Event:
    """Through the service, running from now (the API takes ISO strings)."""
    now = timezone.now()
    fields = {**payload(), "starts_at": now, "ends_at": now + timedelta(days=2), **overrides}
    return guild_event_create(actor=actor, guild=guild, **fields)


def chat(user, times: int) -> None:
    """Messages sent and committed: chat activity counts once the message commits."""
    for _ in range(times):
        with TestCase.captureOnCommitCallbacks(execute=True):
            chat_message_sent.send(sender=None, message=SimpleNamespace(author=user))


# -- who creates ------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["alice", "bob"])  # the leader, an officer
def test_the_leader_and_officers_create_guild_events(crew, who, request, published, commit):
    actor = request.getfixturevalue(who)
    with commit():
        response = signed_in(actor).post(f"{API}/guilds/night-owls/events/", payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["title"], body["state"], body["guild"]) == ("Marathon weekend", "upcoming", {"slug": "night-owls", "name": "Night Owls"})
    assert [(t["kind"], t["target"], t["xp_reward"], t["title"], t["badge"]) for t in body["tasks"]] == [
        ("send_messages", 3, 200, "Send 3 chat messages", None), ("watch_hours", 2, 300, "Two hours on the couch", None)]
    event = Event.objects.get()
    assert (event.guild, event.created_by, event.is_published, event.reward_badge) == (crew, actor, True, None)
    # audited like the guild's other role actions, and in the members' activity feed
    audit = AuditEvent.objects.get()
    assert (audit.verb, audit.actor, audit.target_id, audit.details["event_id"]) == (
        AuditVerb.GUILD_EVENT_CREATED, actor, str(crew.pk), event.pk)
    assert audit.details["tasks"] == [{"kind": "send_messages", "target": 3, "xp_reward": 200},
                                      {"kind": "watch_hours", "target": 2, "xp_reward": 300}]
    assert GuildActivity.objects.get(kind="event_created").details == {"event_id": event.pk, "event_title": "Marathon weekend"}
    [(groups, sent, _)] = [p for p in published if p[1]["type"] == "guilds.event"]
    assert (groups, sent["op"], sent["event"]["slug"]) == ([guild_group(crew.pk)], "created", event.slug)


@pytest.mark.parametrize("who", ["carol", "dave"])  # a member, someone outside the guild
def test_members_and_outsiders_cannot_create(crew, who, request):
    response = signed_in(request.getfixturevalue(who)).post(f"{API}/guilds/night-owls/events/", payload(), format="json")
    body = assert_error(response, 403, "guild_not_allowed")
    assert body["message"] == "Only the leader and officers can do that."
    assert (Event.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_officers_cannot_mint_badges(crew, bob):
    badge = BadgeFactory()
    tasks = [{"kind": "send_messages", "target": 3, "xp_reward": 200, "badge": badge.pk}]
    response = signed_in(bob).post(f"{API}/guilds/night-owls/events/",
                                   payload(tasks=tasks, reward_badge=badge.pk), format="json")
    assert response.status_code == 201
    assert (Event.objects.get().reward_badge, EventTask.objects.get().badge) == (None, None)


# -- what is accepted -----------------------------------------------------------------------------------
def test_task_xp_is_clamped_to_the_seeds_range(crew, alice):
    event = create(alice, crew, tasks=[{"kind": "send_messages", "target": 1, "xp_reward": 10},
                                       {"kind": "join_rooms", "target": 1, "xp_reward": 9999},
                                       {"kind": "make_friends", "target": 1, "xp_reward": 120}])
    assert list(event.tasks.values_list("xp_reward", flat=True)) == [50, 500, 120]


def test_an_end_before_the_start_is_refused(crew, alice):
    starts = timezone.now() + timedelta(hours=1)
    response = signed_in(alice).post(f"{API}/guilds/night-owls/events/", payload(
        starts_at=starts.isoformat(), ends_at=(starts - timedelta(minutes=1)).isoformat()), format="json")
    body = assert_error(response, 400, "event_invalid")
    assert body["extra"]["fields"] == {"ends_at": ["An event ends after it starts."]}
    assert Event.objects.count() == 0


@pytest.mark.parametrize(("overrides", "field"), [
    ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at"),  # in the past
    ({"starts_at": timezone.now() + timedelta(days=31), "ends_at": timezone.now() + timedelta(days=32)}, "starts_at"),
    ({"ends_at": timezone.now() + timedelta(minutes=30)}, "ends_at"),  # shorter than an hour
    ({"ends_at": timezone.now() + timedelta(days=40)}, "ends_at"),  # longer than 31 days
    ({"tasks": []}, "tasks"),
    ({"tasks": [{"kind": "send_messages", "target": 1, "xp_reward": 100}] * 6}, "tasks"),
    ({"tasks": [{"kind": "mine_bitcoin", "target": 1, "xp_reward": 100}]}, "tasks"),
    ({"tasks": [{"kind": "send_messages", "target": 0, "xp_reward": 100}]}, "tasks"),
    ({"title": "  a "}, "title"),
])
def test_schedules_and_tasks_out_of_bounds_are_refused(crew, alice, overrides, field):
    with refused("event_invalid", 400) as caught:
        create(alice, crew, **overrides)
    assert list(caught.value.extra["fields"]) == [field]
    assert Event.objects.count() == 0


def test_a_guild_has_a_few_open_events_at_most(crew, alice):
    for _ in range(MAX_OPEN_EVENTS):
        create(alice, crew)
        Event.objects.update(created_at=timezone.now() - timedelta(days=8))  # outside the weekly limit
    with refused("too_many_guild_events", 409) as caught:
        create(alice, crew)
    assert caught.value.extra == {"max_open_events": MAX_OPEN_EVENTS}


def test_a_guild_creates_two_events_a_week_at_most(crew, alice):
    for _ in range(MAX_NEW_EVENTS_PER_WEEK):
        create(alice, crew)
    with refused("too_many_guild_events", 409) as caught:
        create(alice, crew)
    assert caught.value.extra == {"max_new_events_per_week": 2}
    Event.objects.update(created_at=timezone.now() - timedelta(days=7, minutes=1))
    create(alice, crew)  # a week later


# -- who sees ---------------------------------------------------------------------------------------------
def test_members_list_the_guilds_events_and_outsiders_cannot(crew, carol, dave, django_assert_num_queries):
    event = create(crew.created_by, crew)
    client = signed_in(carol)
    # user, guild, membership, events, tasks (no badges: no query for them), progress
    with django_assert_num_queries(6):
        response = client.get(f"{API}/guilds/night-owls/events/")
    assert [e["slug"] for e in response.json()] == [event.slug]
    assert_error(signed_in(dave).get(f"{API}/guilds/night-owls/events/"), 403, "not_a_guild_member")


def test_outsiders_never_see_a_guild_event(crew, carol, dave):
    # Given a guild event, a platform-wide event, and another guild with dave in it
    event = create(crew.created_by, crew, title="Owls only")
    platform = EventTaskFactory().event
    add_member(GuildFactory(created_by=dave), role=GuildRole.MEMBER)
    member, outsider = signed_in(carol), signed_in(dave)
    # Then the events API and page show it to members only
    assert {e["slug"] for e in member.get(f"{API}/events/").json()} == {event.slug, platform.slug}
    assert {e["slug"] for e in outsider.get(f"{API}/events/").json()} == {platform.slug}
    assert member.get(f"{API}/events/{event.slug}/").status_code == 200
    assert_error(outsider.get(f"{API}/events/{event.slug}/"), 404, "event_not_found")
    assert "Owls only" in member.get("/events/").content.decode()
    assert "Owls only" not in outsider.get("/events/").content.decode()
    # And the guild page and its activity feed keep it from outsiders
    assert "Owls only" in member.get("/guilds/night-owls/").content.decode()
    assert "Owls only" not in outsider.get("/guilds/night-owls/").content.decode()
    assert "event_created" not in {a["kind"] for a in outsider.get(f"{API}/guilds/night-owls/activity/").json()}


def test_the_guild_page_has_the_form_for_the_leader_and_officers_only(crew, alice, bob, carol):
    assert 'id="guild-event-form"' in signed_in(alice).get("/guilds/night-owls/").content.decode()
    assert 'id="guild-event-form"' in signed_in(bob).get("/guilds/night-owls/").content.decode()
    assert 'id="guild-event-form"' not in signed_in(carol).get("/guilds/night-owls/").content.decode()


# -- who progresses --------------------------------------------------------------------------------------------
def event_xp(user) -> list[int]:
    return list(XpEntry.objects.filter(user=user, reason=Reason.EVENT_TASK).values_list("amount", flat=True))


def test_a_member_completing_a_task_gets_the_xp_once(crew, alice, carol, commit):
    with commit():  # the schedule cache is cleared after commit
        event = create(alice, crew, tasks=[{"kind": TaskKind.SEND_MESSAGES, "target": 3, "xp_reward": 250}])
    chat(carol, 3)
    chat(carol, 4)  # more of the same after completion
    task = event.tasks.get()
    row = EventTaskProgress.objects.get(user=carol, task=task)
    assert (row.progress, row.completed_at is not None) == (3, True)
    assert event_xp(carol) == [250]


def test_a_non_member_doing_the_same_gets_nothing(crew, alice, dave, commit):
    # Given a running guild event and a platform-wide event with the same kind of task
    with commit():
        create(alice, crew, tasks=[{"kind": TaskKind.SEND_MESSAGES, "target": 3, "xp_reward": 250}])
    platform_task = EventTaskFactory(kind=TaskKind.SEND_MESSAGES, target=3, xp_reward=100)
    # When dave, in no guild, sends the messages
    chat(dave, 5)
    # Then only the platform-wide task counts
    assert list(EventTaskProgress.objects.filter(user=dave).values_list("task_id", flat=True)) == [platform_task.pk]
    assert event_xp(dave) == [100]


def test_leaving_the_guild_stops_the_progress(crew, alice, carol, commit):
    with commit():
        event = create(alice, crew, tasks=[{"kind": TaskKind.SEND_MESSAGES, "target": 3, "xp_reward": 250}])
    chat(carol, 2)
    carol.guild_membership.delete()
    chat(carol, 2)
    row = EventTaskProgress.objects.get(user=carol, task=event.tasks.get())
    assert (row.progress, row.completed_at) == (2, None)
    assert event_xp(carol) == []
