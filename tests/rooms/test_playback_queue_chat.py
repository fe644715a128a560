"""Playback, queue, chat, watch sessions and partner matching (rooms.services.*).

Event types asserted here (count and shape), as services publish them after commit:
  rooms.state updated, rooms.queue updated, rooms.chat created / deleted,
  rooms.member updated (buffering, drift, connections), rooms.match found / expired,
  notifications.notification created (partner_found)
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Block, Notification
from config.errors import ApplicationError
from rooms.events import room_group
from rooms.models import (
    ChatMessage,
    ChatMode,
    MatchRequest,
    MatchStatus,
    QueueItem,
    Room,
    RoomKind,
    RoomMember,
    RoomRole,
    SkipVote,
    Visibility,
    WatchSession,
)
from rooms.notification_kinds import NotificationKind
from rooms.services.chat import message_delete, message_send
from rooms.services.matching import WAIT_LIMIT, match_request_cancel, match_request_create, match_requests_expire
from rooms.services.membership import (
    member_connected,
    member_disconnected,
    member_kick,
    room_join,
    room_leave,
    rooms_sweep,
)
from rooms.services.playback import (
    member_buffering,
    member_drift_report,
    playback_command,
    playback_duration_report,
    playback_ended,
)
from rooms.services.queue import MAX_QUEUE, queue_add, queue_remove, queue_reorder, queue_skip, skip_vote
from rooms.services.watch import watch_heartbeat, watch_session_end, watch_sessions_close_stale
from tests.accounts.factories import UserFactory

from .conftest import refused
from .factories import OTHER_YOUTUBE_URL, VIDEO_URL, YOUTUBE_ID, YOUTUBE_URL, RoomFactory, add_member, set_source

pytestmark = pytest.mark.django_db

STATE_KEYS = {"version", "source", "is_playing", "position", "at", "rate", "duration", "is_waiting_for_ready"}
QUEUE_ITEM_KEYS = {"id", "order", "kind", "url", "media_id", "title", "start", "added_by", "created_at",
                   "media_title", "duration", "thumbnail"}
MESSAGE_KEYS = {"id", "author", "body", "mentions", "created_at", "is_deleted"}
DRIVE_URL = "https://drive.google.com/file/d/1AbCdEfGhIjKlMnOpQrStUvWxYz012345/view"


@pytest.fixture
def room(alice, bob, carol):
    """alice leads; bob moderates; carol is a member. Nothing loaded."""
    room = RoomFactory(created_by=alice)
    add_member(room, bob, role=RoomRole.MODERATOR)
    add_member(room, carol)
    return room


@pytest.fixture
def playing(room):
    """The room playing a YouTube video: 10 s in, as of now."""
    return set_source(room, YOUTUBE_URL, position=10.0)


def fresh(room) -> Room:
    return Room.objects.get(pk=room.pk)


def state_event(published) -> dict:
    """The one rooms.state event published, sent to its room's group; returns its state."""
    entries = [(groups, e) for groups, e, _ in published if e["type"] == "rooms.state"]
    assert len(entries) == 1, published.events()
    groups, event = entries[0]
    assert len(groups) == 1 and groups[0].startswith("room.")
    assert set(event) == {"type", "op", "state"} and event["op"] == "updated"
    assert set(event["state"]) == STATE_KEYS
    return event["state"]


# -- playback commands ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "control, actor, allowed",
    [("leader", "alice", True), ("leader", "bob", True), ("leader", "carol", False),
     ("anyone", "carol", True), ("anyone", "bob", True)],
)
def test_playback_rights(playing, alice, bob, carol, control, actor, allowed):
    Room.objects.filter(pk=playing.pk).update(playback_control=control)
    user = {"alice": alice, "bob": bob, "carol": carol}[actor]
    before = fresh(playing)
    if allowed:
        room = playback_command(actor=user, room=playing, action="pause")
        assert room.is_playing is False and room.state_version == before.state_version + 1
        return
    with refused("playback_not_allowed", 403):
        playback_command(actor=user, room=playing, action="pause")
    after = fresh(playing)
    assert (after.is_playing, after.position, after.state_version) == (True, 10.0, before.state_version)


def test_non_member_cannot_control(playing):
    with refused("not_a_member", 403):
        playback_command(actor=UserFactory(), room=playing, action="pause")


def test_play_pause_seek_rate_move_the_state_and_tell_everyone(playing, alice, published, commit):
    version = playing.state_version

    with commit():
        playback_command(actor=alice, room=playing, action="pause", position=12.5)
    room = fresh(playing)
    assert (room.is_playing, room.position, room.state_version) == (False, 12.5, version + 1)
    state = state_event(published)
    groups = published[0][0]
    assert groups == [room_group(playing.pk)]
    assert state == {
        "version": version + 1, "is_playing": False, "position": 12.5, "at": pytest.approx(time.time(), abs=5),
        "rate": 1.0, "duration": None, "is_waiting_for_ready": False,
        "source": {"kind": "youtube", "url": YOUTUBE_URL, "media_id": YOUTUBE_ID, "title": ""},
    }

    published.clear()
    with commit():
        playback_command(actor=alice, room=playing, action="play")
    room = fresh(playing)
    assert (room.is_playing, room.position, room.state_version) == (True, 12.5, version + 2)
    assert (state_event(published)["is_playing"], state_event(published)["version"]) == (True, version + 2)

    published.clear()
    with commit():
        playback_command(actor=alice, room=playing, action="seek", position=300.0)
    room = fresh(playing)
    assert (room.is_playing, room.position, room.state_version) == (True, 300.0, version + 3)
    assert state_event(published)["position"] == 300.0

    published.clear()
    with commit():
        playback_command(actor=alice, room=playing, action="rate", rate=1.5)
    room = fresh(playing)
    assert (room.rate, room.is_playing, room.state_version) == (1.5, True, version + 4)
    assert room.position == pytest.approx(300.0, abs=1)
    assert state_event(published)["rate"] == 1.5


def test_pause_freezes_where_the_server_clock_says(playing, alice):
    Room.objects.filter(pk=playing.pk).update(position_at=time.time() - 30)  # 30 s have passed since 10 s
    room = playback_command(actor=alice, room=playing, action="pause")
    assert room.position == pytest.approx(40.0, abs=1)
    assert fresh(playing).position == pytest.approx(40.0, abs=1)


def test_load_switches_the_source_and_plays_from_its_start(playing, alice, published, commit):
    Room.objects.filter(pk=playing.pk).update(duration=200.0, is_waiting_for_ready=True, rate=1.5)
    with commit():
        playback_command(actor=alice, room=playing, action="load", url="https://youtu.be/9bZkp7q19f0?t=1m", title="Gangnam")
    room = fresh(playing)
    assert (room.source_kind, room.source_url, room.source_media_id, room.source_title) == (
        "youtube", OTHER_YOUTUBE_URL, "9bZkp7q19f0", "Gangnam")
    assert (room.is_playing, room.position, room.duration, room.rate, room.is_waiting_for_ready) == (True, 60.0, None, 1.0, False)
    assert room.state_version == playing.state_version + 1
    assert state_event(published)["source"] == {"kind": "youtube", "url": OTHER_YOUTUBE_URL, "media_id": "9bZkp7q19f0", "title": "Gangnam"}


def test_load_of_a_bad_link_changes_nothing(playing, alice, published, commit):
    with commit(), refused("source_invalid"):
        playback_command(actor=alice, room=playing, action="load", url="javascript:alert(1)")
    assert fresh(playing).source_url == YOUTUBE_URL
    assert published == []


@pytest.mark.parametrize("action, fields", [("play", {}), ("pause", {}), ("seek", {"position": 5.0}), ("rate", {"rate": 2.0})])
def test_nothing_loaded(room, alice, action, fields):
    with refused("no_source", 400):
        playback_command(actor=alice, room=room, action=action, **fields)
    assert fresh(room).state_version == 0


@pytest.mark.parametrize("action, fields", [("seek", {}), ("rate", {}), ("rewind", {})])
def test_incomplete_or_unknown_commands(playing, alice, action, fields):
    with refused("invalid", 400):
        playback_command(actor=alice, room=playing, action=action, **fields)
    assert fresh(playing).state_version == playing.state_version


# -- buffering and wait-for-ready ---------------------------------------------------------------------------
def test_buffering_without_wait_for_ready_only_shows(playing, carol, published, commit):
    with commit():
        member_buffering(user=carol, room=playing, is_buffering=True)
    assert fresh(playing).is_playing is True
    assert [(e["type"], e["op"]) for e in published.events()] == [("rooms.member", "updated")]
    member = published.events()[0]["member"]
    assert (member["user"]["handle"], member["is_buffering"]) == ("carol", True)

    published.clear()
    with commit():
        member_buffering(user=carol, room=playing, is_buffering=True)  # no change: no news
    assert published == []


def test_wait_for_ready_holds_the_room_until_everyone_buffered(playing, bob, carol, published, commit):
    Room.objects.filter(pk=playing.pk).update(wait_for_ready=True)
    RoomMember.objects.filter(room=playing).update(connections=1)

    # bob buffers: everyone waits
    with commit():
        member_buffering(user=bob, room=playing, is_buffering=True)
    room = fresh(playing)
    assert (room.is_playing, room.is_waiting_for_ready) == (False, True)
    assert sorted((e["type"], e["op"]) for e in published.events()) == [("rooms.member", "updated"), ("rooms.state", "updated")]
    held = state_event(published)
    assert (held["is_playing"], held["is_waiting_for_ready"]) == (False, True)
    held_at = room.position

    # carol buffers too; bob is ready, but carol still isn't
    member_buffering(user=carol, room=playing, is_buffering=True)
    published.clear()
    with commit():
        member_buffering(user=bob, room=playing, is_buffering=False)
    room = fresh(playing)
    assert (room.is_playing, room.is_waiting_for_ready) == (False, True)
    assert [(e["type"], e["op"]) for e in published.events()] == [("rooms.member", "updated")]

    # carol, the last one buffering, is ready: the room resumes from where it held
    published.clear()
    with commit():
        member_buffering(user=carol, room=playing, is_buffering=False)
    room = fresh(playing)
    assert (room.is_playing, room.is_waiting_for_ready, room.position) == (True, False, held_at)
    resumed = state_event(published)
    assert (resumed["is_playing"], resumed["is_waiting_for_ready"]) == (True, False)


def test_a_disconnected_member_still_marked_buffering_does_not_hold_the_room(playing, bob, carol):
    Room.objects.filter(pk=playing.pk).update(wait_for_ready=True)
    RoomMember.objects.filter(room=playing).update(connections=1)
    RoomMember.objects.filter(room=playing, user=carol).update(connections=0, is_buffering=True)
    member_buffering(user=bob, room=playing, is_buffering=True)
    member_buffering(user=bob, room=playing, is_buffering=False)
    assert fresh(playing).is_playing is True


@pytest.mark.parametrize("how", ["disconnects", "leaves", "is kicked", "is swept"])
def test_a_buffering_member_who_goes_away_releases_the_room(playing, alice, bob, carol, published, commit, how):
    # A closed tab mid-buffer must not hold everyone else paused until someone presses play.
    Room.objects.filter(pk=playing.pk).update(wait_for_ready=True)
    RoomMember.objects.filter(room=playing).update(connections=1)
    member_buffering(user=carol, room=playing, is_buffering=True)
    assert fresh(playing).is_waiting_for_ready

    with commit():
        if how == "disconnects":
            member_disconnected(room=playing, user=carol)
        elif how == "leaves":
            room_leave(user=carol, room=playing)
        elif how == "is swept":  # the server holding carol's socket died: her heartbeats stopped
            RoomMember.objects.filter(user=carol).update(last_heartbeat_at=timezone.now() - timedelta(minutes=2))
            RoomMember.objects.exclude(user=carol).update(last_heartbeat_at=timezone.now())
            rooms_sweep()
        else:
            member_kick(actor=alice, room=playing, target=carol)

    room = fresh(playing)
    assert (room.is_playing, room.is_waiting_for_ready) == (True, False)
    resumed = state_event(published)
    assert (resumed["is_playing"], resumed["is_waiting_for_ready"]) == (True, False)


def test_a_buffering_member_going_away_while_another_buffers_keeps_the_wait(playing, bob, carol):
    Room.objects.filter(pk=playing.pk).update(wait_for_ready=True)
    RoomMember.objects.filter(room=playing).update(connections=1)
    member_buffering(user=carol, room=playing, is_buffering=True)
    member_buffering(user=bob, room=playing, is_buffering=True)
    member_disconnected(room=playing, user=carol)
    room = fresh(playing)
    assert (room.is_playing, room.is_waiting_for_ready) == (False, True)


def test_a_command_clears_the_wait(playing, alice, bob):
    Room.objects.filter(pk=playing.pk).update(wait_for_ready=True)
    RoomMember.objects.filter(room=playing).update(connections=1)
    member_buffering(user=bob, room=playing, is_buffering=True)
    room = playback_command(actor=alice, room=playing, action="play")
    assert (room.is_playing, room.is_waiting_for_ready) == (True, False)


def test_drift_reports(playing, carol, published, commit):
    with commit():
        member_drift_report(user=carol, room=playing, drift_ms=120)
        member_drift_report(user=carol, room=playing, drift_ms=130)  # under the 20 ms step: not news
        member_drift_report(user=carol, room=playing, drift_ms=-40)
    assert [e["member"]["drift_ms"] for e in published.events("rooms.member", "updated")] == [120, -40]
    assert len(published) == 2
    assert RoomMember.objects.get(room=playing, user=carol).drift_ms == -40
    with refused("not_a_member", 403):
        member_drift_report(user=UserFactory(), room=playing, drift_ms=0)


# -- duration and the end ----------------------------------------------------------------------------------------
def test_first_duration_report_sticks(playing, carol, published, commit):
    with commit():
        playback_duration_report(user=carol, room=playing, duration=212.5)
        playback_duration_report(user=carol, room=playing, duration=300.0)
        playback_duration_report(user=carol, room=playing, duration=0)
    room = fresh(playing)
    assert (room.duration, room.state_version) == (212.5, playing.state_version + 1)
    assert state_event(published)["duration"] == 212.5


@pytest.mark.parametrize("duration", [0, -5, 86400, 10**6])
def test_implausible_durations_are_ignored(playing, carol, duration):
    playback_duration_report(user=carol, room=playing, duration=duration)
    assert fresh(playing).duration is None


def test_a_new_source_forgets_the_duration(playing, alice, carol):
    playback_duration_report(user=carol, room=playing, duration=212.5)
    playback_command(actor=alice, room=playing, action="load", url=VIDEO_URL)
    assert fresh(playing).duration is None
    playback_duration_report(user=carol, room=playing, duration=60.0)
    assert fresh(playing).duration == 60.0


@pytest.fixture
def queued(playing, bob):
    """One item waiting after what's playing."""
    return queue_add(actor=bob, room=playing, url=VIDEO_URL, title="Next")


@pytest.mark.parametrize(
    "position, duration, ended",
    [(99.0, 100.0, True), (98.5, 100.0, True), (100.0, 100.0, True), (90.0, 100.0, False), (10.0, None, True)],
    ids=["near-end", "within-tolerance", "at-end", "too-early", "unknown-duration"],
)
def test_ended_advances_only_when_the_server_agrees(playing, queued, carol, published, commit, position, duration, ended):
    Room.objects.filter(pk=playing.pk).update(position=position, position_at=time.time(), duration=duration)
    with commit():
        assert playback_ended(user=carol, room=playing, source_url=YOUTUBE_URL) is ended
    room = fresh(playing)
    if not ended:
        assert (room.source_url, room.is_playing) == (YOUTUBE_URL, True)
        assert QueueItem.objects.filter(pk=queued.pk).exists()
        assert published == []
        return
    assert (room.source_url, room.source_title, room.is_playing, room.position) == (VIDEO_URL, "Next", True, 0.0)
    assert not QueueItem.objects.filter(room=playing).exists()
    assert sorted((e["type"], e["op"]) for e in published.events()) == [("rooms.queue", "updated"), ("rooms.state", "updated")]
    assert published.events("rooms.queue")[0]["items"] == []


def test_ended_for_a_stale_source_is_ignored(playing, queued, carol):
    Room.objects.filter(pk=playing.pk).update(duration=100.0, position=99.9, position_at=time.time())
    assert playback_ended(user=carol, room=playing, source_url=OTHER_YOUTUBE_URL) is False
    assert fresh(playing).source_url == YOUTUBE_URL


def test_ended_while_paused_is_ignored(playing, queued, carol):
    Room.objects.filter(pk=playing.pk).update(is_playing=False, duration=100.0, position=100.0)
    assert playback_ended(user=carol, room=playing, source_url=YOUTUBE_URL) is False


def test_end_of_the_queue_pauses(playing, carol, published, commit):
    Room.objects.filter(pk=playing.pk).update(duration=100.0, position=100.0, position_at=time.time())
    with commit():
        assert playback_ended(user=carol, room=playing, source_url=YOUTUBE_URL) is True
    room = fresh(playing)
    assert (room.source_url, room.is_playing, room.position) == (YOUTUBE_URL, False, 100.0)
    assert sorted((e["type"], e["op"]) for e in published.events()) == [("rooms.queue", "updated"), ("rooms.state", "updated")]


# -- the queue ----------------------------------------------------------------------------------------------
def test_queue_add_with_nothing_loaded_loads_at_once(room, alice, published, commit):
    with commit():
        assert queue_add(actor=alice, room=room, url=f"https://youtu.be/{YOUTUBE_ID}?t=5", title="First") is None
    room = fresh(room)
    assert (room.source_url, room.source_title, room.is_playing, room.position) == (YOUTUBE_URL, "First", True, 5.0)
    assert not QueueItem.objects.filter(room=room).exists()
    assert sorted((e["type"], e["op"]) for e in published.events()) == [("rooms.queue", "updated"), ("rooms.state", "updated")]


def test_queue_add_with_nothing_loaded_needs_playback_rights(room, carol):
    with refused("playback_not_allowed"):
        queue_add(actor=carol, room=room, url=YOUTUBE_URL)
    assert fresh(room).source_url == ""


def test_queue_add_appends(playing, bob, carol, published, commit):
    with commit():
        first = queue_add(actor=carol, room=playing, url=VIDEO_URL, title="x" * 300)
        second = queue_add(actor=bob, room=playing, url=DRIVE_URL)
    assert (first.order, first.kind, first.title, first.added_by) == (1, "video", "x" * 200, carol)
    assert (second.order, second.kind, second.media_id) == (2, "drive", "1AbCdEfGhIjKlMnOpQrStUvWxYz012345")
    events = published.events("rooms.queue", "updated")
    assert len(events) == 2 and len(published) == 2
    assert published[1][0] == [room_group(playing.pk)]
    assert set(events[1]) == {"type", "op", "items", "skip_votes", "skip_needed"}
    assert [item["id"] for item in events[1]["items"]] == [first.pk, second.pk]
    assert all(set(item) == QUEUE_ITEM_KEYS for item in events[1]["items"])
    assert events[1]["items"][0]["added_by"]["handle"] == "carol"
    assert (events[1]["skip_votes"], events[1]["skip_needed"]) == (0, 1)


def test_queue_add_refusals(playing, carol):
    with refused("source_invalid"):
        queue_add(actor=carol, room=playing, url="file:///etc/passwd")
    with refused("not_a_member", 403):
        queue_add(actor=UserFactory(), room=playing, url=VIDEO_URL)
    QueueItem.objects.bulk_create(
        QueueItem(room=playing, order=i, kind="video", url=VIDEO_URL) for i in range(1, MAX_QUEUE + 1)
    )
    with refused("queue_full", 409):
        queue_add(actor=carol, room=playing, url=VIDEO_URL)
    assert QueueItem.objects.filter(room=playing).count() == MAX_QUEUE


def test_queue_remove_own_or_as_moderator(playing, alice, bob, carol, published, commit):
    mine = queue_add(actor=carol, room=playing, url=VIDEO_URL)
    theirs = queue_add(actor=alice, room=playing, url=DRIVE_URL)
    with refused("not_allowed", 403):
        queue_remove(actor=carol, room=playing, item_id=theirs.pk)
    with commit():
        queue_remove(actor=carol, room=playing, item_id=mine.pk)
    (event,) = published.events("rooms.queue")
    assert [item["id"] for item in event["items"]] == [theirs.pk]
    queue_remove(actor=bob, room=playing, item_id=theirs.pk)  # a moderator removes anyone's
    assert not QueueItem.objects.filter(room=playing).exists()
    with refused("queue_item_not_found", 404):
        queue_remove(actor=bob, room=playing, item_id=theirs.pk)


def test_queue_item_of_another_room_is_not_found(playing, alice, bob):
    other = set_source(RoomFactory(created_by=alice), YOUTUBE_URL)
    item = queue_add(actor=alice, room=other, url=VIDEO_URL)
    with refused("queue_item_not_found", 404):
        queue_remove(actor=bob, room=playing, item_id=item.pk)


def test_queue_reorder(playing, alice, carol, published, commit):
    a, b, c = (queue_add(actor=carol, room=playing, url=f"{VIDEO_URL}?n={n}") for n in range(3))
    with commit():
        queue_reorder(actor=alice, room=playing, ids=[c.pk, a.pk, b.pk])
    assert list(QueueItem.objects.filter(room=playing).order_by("order").values_list("pk", "order")) == [
        (c.pk, 1), (a.pk, 2), (b.pk, 3)]
    assert [item["id"] for item in published.events("rooms.queue")[0]["items"]] == [c.pk, a.pk, b.pk]


@pytest.mark.parametrize("make_ids", [
    lambda a, b, c: [a, b], lambda a, b, c: [a, b, c, c], lambda a, b, c: [a, a, b], lambda a, b, c: [a, b, c + 1000], lambda a, b, c: [],
], ids=["missing", "extra-duplicate", "duplicate", "foreign", "empty"])
def test_queue_reorder_must_be_a_permutation(playing, alice, carol, make_ids):
    items = [queue_add(actor=carol, room=playing, url=f"{VIDEO_URL}?n={n}") for n in range(3)]
    with refused("queue_order_invalid", 400) as info:
        queue_reorder(actor=alice, room=playing, ids=make_ids(*(i.pk for i in items)))
    assert info.value.extra == {"ids": sorted(i.pk for i in items)}
    assert list(QueueItem.objects.filter(room=playing).values_list("order", flat=True)) == [1, 2, 3]


def test_queue_reorder_and_skip_need_playback_rights(playing, carol, queued):
    with refused("playback_not_allowed", 403):
        queue_reorder(actor=carol, room=playing, ids=[queued.pk])
    with refused("playback_not_allowed", 403):
        queue_skip(actor=carol, room=playing)
    assert fresh(playing).source_url == YOUTUBE_URL


def test_queue_skip(playing, queued, bob, published, commit):
    SkipVote.objects.create(room=playing, user=bob, source_url=YOUTUBE_URL)
    with commit():
        queue_skip(actor=bob, room=playing)
    assert fresh(playing).source_url == VIDEO_URL
    assert not SkipVote.objects.exists()
    assert sorted((e["type"], e["op"]) for e in published.events()) == [("rooms.queue", "updated"), ("rooms.state", "updated")]


def test_skip_votes_need_more_than_half_of_the_connected(playing, queued, alice, bob, carol, published, commit):
    dave = add_member(playing).user
    RoomMember.objects.filter(room=playing).update(connections=1)  # 4 connected → 3 votes needed
    add_member(playing)  # not connected: doesn't count

    with commit():
        assert skip_vote(user=carol, room=playing) == (1, 3)
    event = published.events("rooms.queue", "updated")[0]
    assert (event["skip_votes"], event["skip_needed"]) == (1, 3)
    with refused("already_voted", 409):
        skip_vote(user=carol, room=playing)
    assert skip_vote(user=dave, room=playing) == (2, 3)
    assert fresh(playing).source_url == YOUTUBE_URL

    published.clear()
    with commit():
        assert skip_vote(user=bob, room=playing) == (3, 3)
    assert fresh(playing).source_url == VIDEO_URL
    assert not SkipVote.objects.filter(room=playing).exists()  # votes reset on advance
    event = published.events("rooms.queue", "updated")[0]
    assert (event["skip_votes"], event["skip_needed"]) == (0, 3)

    # a fresh vote on the new source
    assert skip_vote(user=carol, room=playing) == (1, 3)


def test_skip_vote_refusals(room, carol):
    with refused("no_source"):
        skip_vote(user=carol, room=room)
    with refused("not_a_member", 403):
        skip_vote(user=UserFactory(), room=room)


# -- chat ----------------------------------------------------------------------------------------------
def test_message_is_persisted_then_published(room, carol, published, commit):
    with commit():
        message = message_send(author=carol, room=room, body="  hello everyone  ")
    stored = ChatMessage.objects.get()
    assert (stored.pk, stored.body, stored.author, stored.mentions) == (message.pk, "hello everyone", carol, [])
    assert len(published) == 1
    groups, event, _ = published[0]
    assert groups == [room_group(room.pk)]
    assert set(event) == {"type", "op", "message"} and (event["type"], event["op"]) == ("rooms.chat", "created")
    assert set(event["message"]) == MESSAGE_KEYS
    assert (event["message"]["id"], event["message"]["body"], event["message"]["author"]["handle"]) == (
        message.pk, "hello everyone", "carol")
    assert event["message"]["is_deleted"] is False


def test_message_length_limit(room, carol):
    assert len(message_send(author=carol, room=room, body="a" * 500).body) == 500
    assert len(message_send(author=carol, room=room, body=" " + "b" * 500 + "\n").body) == 500  # trimmed first
    with refused("message_too_long", 400) as info:
        message_send(author=carol, room=room, body="c" * 501)
    assert info.value.extra == {"max_length": 500, "length": 501}
    assert ChatMessage.objects.count() == 2


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_empty_message(room, carol, body):
    with refused("message_empty"):
        message_send(author=carol, room=room, body=body)
    assert not ChatMessage.objects.exists()


def test_rate_limit(room, carol, bob, settings):
    settings.ROOM_CHAT_RATE_MAX_MESSAGES, settings.ROOM_CHAT_RATE_WINDOW_SECONDS = 5, 5.0
    for n in range(5):
        message_send(author=carol, room=room, body=f"message {n}")
    with refused("chat_rate_limited", 429) as info:
        message_send(author=carol, room=room, body="one too many")
    assert info.value.extra == {"retry_after": 5.0}
    message_send(author=bob, room=room, body="others are not limited")
    # once the window has passed, carol may speak again
    ChatMessage.objects.filter(author=carol).update(created_at=timezone.now() - timedelta(seconds=6))
    message_send(author=carol, room=room, body="back")
    assert ChatMessage.objects.filter(author=carol).count() == 6


def test_slow_mode_spares_moderators(room, bob, carol):
    Room.objects.filter(pk=room.pk).update(slow_mode_seconds=30)
    message_send(author=carol, room=room, body="first")
    with refused("slow_mode", 429) as info:
        message_send(author=carol, room=room, body="second")
    assert 29 <= info.value.extra["retry_after"] <= 30
    message_send(author=bob, room=room, body="mods 1")
    message_send(author=bob, room=room, body="mods 2")
    ChatMessage.objects.filter(author=carol).update(created_at=timezone.now() - timedelta(seconds=31))
    message_send(author=carol, room=room, body="later")


def test_chat_modes(room, alice, bob, carol):
    Room.objects.filter(pk=room.pk).update(chat_mode=ChatMode.MODS)
    with refused("chat_mods_only", 403):
        message_send(author=carol, room=room, body="hi")
    message_send(author=bob, room=room, body="mods may")
    message_send(author=alice, room=room, body="leader may")
    Room.objects.filter(pk=room.pk).update(chat_mode=ChatMode.OFF)
    for user in (alice, bob, carol):
        with refused("chat_off", 403):
            message_send(author=user, room=room, body="hi")
    assert ChatMessage.objects.count() == 2


def test_muted_member_and_non_member_are_refused(room, carol):
    RoomMember.objects.filter(room=room, user=carol).update(is_muted=True)
    with refused("muted", 403):
        message_send(author=carol, room=room, body="hi")
    with refused("not_a_member", 403):
        message_send(author=UserFactory(), room=room, body="hi")
    assert not ChatMessage.objects.exists()


def test_mentions_resolve_to_members_only(room, bob, carol):
    stranger = UserFactory(handle="stranger")
    message = message_send(author=carol, room=room, body="@bob @Alice @stranger @nobody mail@carol (@bob)")
    alice_id = RoomMember.objects.get(room=room, role=RoomRole.LEADER).user_id
    assert sorted(message.mentions) == sorted([bob.pk, alice_id])
    assert stranger.pk not in message.mentions


def test_delete_by_author_or_moderator(room, alice, bob, carol, published, commit):
    mine = message_send(author=carol, room=room, body="oops")
    theirs = message_send(author=alice, room=room, body="hello")
    with refused("not_allowed", 403):
        message_delete(actor=carol, room=room, message_id=theirs.pk)
    with commit():
        deleted = message_delete(actor=carol, room=room, message_id=mine.pk)
    assert (deleted.deleted_by, deleted.deleted_at is not None) == (carol, True)
    assert published.events() == [{"type": "rooms.chat", "op": "deleted", "id": mine.pk}]
    assert published[0][0] == [room_group(room.pk)]
    with refused("message_not_found", 404):
        message_delete(actor=carol, room=room, message_id=mine.pk)  # already gone
    message_delete(actor=bob, room=room, message_id=theirs.pk)  # a moderator deletes anyone's
    assert ChatMessage.objects.filter(deleted_at__isnull=False).count() == 2


def test_delete_of_another_rooms_message_is_not_found(room, alice, bob):
    other = RoomFactory(created_by=alice)
    message = message_send(author=alice, room=other, body="elsewhere")
    with refused("message_not_found", 404):
        message_delete(actor=bob, room=room, message_id=message.pk)


# -- the chat filter hook ------------------------------------------------------------------------------------
def soften(*, body, kind, context, author):
    return body.replace("darn", "d**n")


def sign(*, body, kind, context, author):
    return f"{body} ({author.handle} in {context.name})"


def refuse_links(*, body, kind, context, author):
    if "http" in body:
        raise ApplicationError("message_filtered", "No links here.", {"filter": "links"})
    return body


def test_filters_rewrite_in_order(room, carol, chat_filters, published, commit):
    chat_filters(f"{__name__}.soften", f"{__name__}.sign")
    with commit():
        message = message_send(author=carol, room=room, body="darn it")
    expected = f"d**n it (carol in {room.name})"
    assert message.body == ChatMessage.objects.get().body == expected
    assert published.events("rooms.chat")[0]["message"]["body"] == expected


def test_filter_refuses(room, carol, chat_filters, published, commit):
    chat_filters(f"{__name__}.refuse_links")
    with commit(), refused("message_filtered") as info:
        message_send(author=carol, room=room, body="see http://spam.example")
    assert info.value.extra == {"filter": "links"}
    assert not ChatMessage.objects.exists() and published == []
    message_send(author=carol, room=room, body="no links")


def test_no_filters_by_default(room, carol, chat_filters):
    chat_filters()
    assert message_send(author=carol, room=room, body="darn").body == "darn"


# -- watch sessions ------------------------------------------------------------------------------------------
def move_back(session: WatchSession, seconds: float) -> None:
    WatchSession.objects.filter(pk=session.pk).update(last_heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_heartbeats_credit_active_time_between_close_heartbeats(room, carol):
    session = watch_heartbeat(user=carol, room=room, is_active=True)
    assert (session.active_seconds, session.ended_at, session.is_active) == (0, None, True)
    move_back(session, 30)
    assert watch_heartbeat(user=carol, room=room, is_active=True).active_seconds == 30
    move_back(session, 89)  # just under the 90 s limit
    assert watch_heartbeat(user=carol, room=room, is_active=True).active_seconds == 119
    move_back(session, 91)  # the laptop slept: the gap earns nothing
    assert watch_heartbeat(user=carol, room=room, is_active=True).active_seconds == 119
    assert WatchSession.objects.filter(user=carol).count() == 1
    assert RoomMember.objects.get(room=room, user=carol).last_heartbeat_at is not None


def test_hidden_tab_earns_nothing(room, carol):
    session = watch_heartbeat(user=carol, room=room, is_active=False)
    move_back(session, 30)
    session = watch_heartbeat(user=carol, room=room, is_active=True)  # the time since a hidden heartbeat
    assert session.active_seconds == 0 and session.is_active
    move_back(session, 25)
    assert watch_heartbeat(user=carol, room=room, is_active=False).active_seconds == 25
    move_back(session, 25)
    assert watch_heartbeat(user=carol, room=room, is_active=False).active_seconds == 25


def test_session_ends_on_the_last_disconnect(room, carol, published, commit):
    member_connected(room=room, user=carol)
    member_connected(room=room, user=carol)
    session = watch_heartbeat(user=carol, room=room, is_active=True)
    move_back(session, 20)
    member_disconnected(room=room, user=carol)
    assert WatchSession.objects.get(pk=session.pk).ended_at is None  # a tab is still open
    with commit():
        member_disconnected(room=room, user=carol)
    session.refresh_from_db()
    assert session.ended_at is not None and session.active_seconds == 20
    member = RoomMember.objects.get(room=room, user=carol)
    assert (member.connections, member.disconnected_at is not None) == (0, True)
    assert [(e["op"], e["member"]["is_connected"]) for e in published.events("rooms.member")] == [("updated", False)]

    # coming back opens a new session
    watch_heartbeat(user=carol, room=room, is_active=True)
    assert WatchSession.objects.filter(user=carol, ended_at__isnull=True).count() == 1
    assert watch_session_end(user=carol, room=room).ended_at is not None
    assert watch_session_end(user=carol, room=room) is None


def test_connect_announces_the_first_tab_only(room, carol, published, commit):
    with commit():
        member_connected(room=room, user=carol)
        member_connected(room=room, user=carol)
    events = published.events("rooms.member", "updated")
    assert len(events) == 1 and len(published) == 1
    assert (events[0]["member"]["user"]["handle"], events[0]["member"]["is_connected"]) == ("carol", True)
    assert member_connected(room=room, user=UserFactory()) is None


def test_stale_sessions_are_closed(room, bob, carol):
    stale = watch_heartbeat(user=carol, room=room, is_active=True)
    move_back(stale, 120)
    live = watch_heartbeat(user=bob, room=room, is_active=True)
    assert watch_sessions_close_stale() == 1
    stale.refresh_from_db()
    live.refresh_from_db()
    assert (stale.ended_at is not None, stale.active_seconds) == (True, 0)
    assert live.ended_at is None
    assert watch_sessions_close_stale() == 0


# -- partner matching ----------------------------------------------------------------------------------------------
def request(user, speaks, learns) -> MatchRequest:
    return match_request_create(user=user, speaks=speaks, learns=learns)


def test_compatible_users_pair_oldest_first(alice, bob, carol, published, commit):
    first = request(alice, ["en"], ["es"])
    second = request(bob, ["en"], ["es"])  # not compatible with alice: both learn Spanish
    assert first.status == second.status == MatchStatus.WAITING
    MatchRequest.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(seconds=1))
    MatchRequest.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(seconds=2))

    with commit():
        mine = request(carol, ["es", "fr"], ["en"])

    first.refresh_from_db()
    assert (mine.status, first.status) == (MatchStatus.MATCHED, MatchStatus.MATCHED)
    assert (mine.partner, first.partner, mine.room, first.room) == (alice, carol, first.room, mine.room)
    assert MatchRequest.objects.get(pk=second.pk).status == MatchStatus.WAITING
    room = mine.room
    assert (room.kind, room.visibility, room.max_members, room.is_matchmade, room.is_mic_enabled) == (
        RoomKind.VOICE, Visibility.PRIVATE, 2, True, True)
    assert room.languages == ["en", "es"]
    assert dict(RoomMember.objects.filter(room=room).values_list("user__handle", "role")) == {"alice": "leader", "carol": "member"}
    assert {(n.recipient.handle, n.actor.handle, n.data["room"]) for n in Notification.objects.filter(kind=NotificationKind.PARTNER_FOUND)} == {
        ("alice", "carol", room.code), ("carol", "alice", room.code)}

    # both hear it on their own user group, and nothing reaches the hallway
    found = [(groups, e) for groups, e, _ in published if e["type"] == "rooms.match"]
    assert found == [
        ([f"user.{alice.pk}"], {"type": "rooms.match", "op": "found", "room": room.code, "partner": found[0][1]["partner"]}),
        ([f"user.{carol.pk}"], {"type": "rooms.match", "op": "found", "room": room.code, "partner": found[1][1]["partner"]}),
    ]
    assert (found[0][1]["partner"]["handle"], found[1][1]["partner"]["handle"]) == ("carol", "alice")
    assert set(found[0][1]["partner"]) == {"id", "handle", "display_name", "avatar_url"}
    assert len(published.events("notifications.notification", "created")) == 2
    assert published.events("rooms.hallway") == []
    assert len(published) == 4


def test_incompatible_users_wait(alice, bob):
    request(alice, ["en"], ["es"])
    mine = request(bob, ["de"], ["fr"])
    assert mine.status == MatchStatus.WAITING
    assert MatchRequest.objects.filter(status=MatchStatus.WAITING).count() == 2
    assert not Room.objects.exists()


def test_blocked_users_are_not_paired(alice, bob, carol):
    request(alice, ["en"], ["es"])
    request(bob, ["en"], ["es"])
    MatchRequest.objects.filter(user=alice).update(created_at=timezone.now() - timedelta(seconds=5))
    Block.objects.create(blocker=carol, blocked=alice)
    mine = request(carol, ["es"], ["en"])
    assert mine.partner == bob
    assert MatchRequest.objects.get(user=alice).status == MatchStatus.WAITING


def test_no_waiting_twice(alice):
    request(alice, ["en"], ["es"])
    with refused("already_waiting", 409):
        request(alice, ["en"], ["de"])
    assert MatchRequest.objects.filter(user=alice).count() == 1


@pytest.mark.parametrize("speaks, learns", [([], ["en"]), (["en"], []), (["xx"], ["en"]), (["en"], ["klingon"])])
def test_languages_are_required(alice, speaks, learns):
    with refused("languages_required"):
        request(alice, speaks, learns)


def test_cancel(alice, bob):
    request(alice, ["en"], ["es"])
    match_request_cancel(user=alice)
    assert MatchRequest.objects.get(user=alice).status == MatchStatus.CANCELLED
    with refused("not_waiting", 404):
        match_request_cancel(user=alice)
    assert request(bob, ["es"], ["en"]).status == MatchStatus.WAITING  # a cancelled request is never paired
    assert request(alice, ["en"], ["es"]).status == MatchStatus.MATCHED  # and alice may wait again


def test_expiry_after_five_minutes(alice, bob, published, commit):
    old, recent = request(alice, ["en"], ["es"]), request(bob, ["de"], ["fr"])
    MatchRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - WAIT_LIMIT - timedelta(seconds=1))
    assert WAIT_LIMIT == timedelta(minutes=5)
    with commit():
        assert match_requests_expire() == 1
    assert MatchRequest.objects.get(pk=old.pk).status == MatchStatus.EXPIRED
    assert MatchRequest.objects.get(pk=recent.pk).status == MatchStatus.WAITING
    assert [(groups, e) for groups, e, _ in published] == [([f"user.{alice.pk}"], {"type": "rooms.match", "op": "expired"})]
    published.clear()
    with commit():
        assert match_requests_expire() == 0
    assert published == []


def test_matchmade_room_is_not_joinable_by_others(alice, bob, carol):
    request(alice, ["en"], ["es"])
    room = request(bob, ["es"], ["en"]).room
    with refused("room_private"):
        room_join(user=carol, room=room)
