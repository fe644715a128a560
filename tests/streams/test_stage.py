"""The stage (streams.stage): invites by @handle to current viewers, answers, expiry, raised hands, seats,
mute and remove, moderators, and the relay rights that follow (streams.selectors.stream_media_rights)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from accounts.models import Block
from config.errors import ApplicationError
from streams import stage
from streams.events import stream_group, stream_relay_group, stream_user_group
from streams.models import ChannelModerator, StageInvite, StageStatus
from streams.presence import presence_enter, presence_leave
from streams.selectors import GUEST_PERMS, GUEST_VIDEO_PERMS, VIEWER_PERMS, stream_media_rights
from streams.services import stream_end
from streams.stage_selectors import stage_seats, stage_viewer_suggestions
from tests.accounts.factories import UserFactory

from .factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream(alice):
    return live_stream(ChannelFactory(owner=alice, slug="alice"))


def watching(stream, *users):
    for user in users:
        presence_enter(stream_id=stream.pk, user_id=user.pk)


class refused:  # noqa: N801  (used as `with refused(code)`)
    """The block raises ApplicationError with `code`; .error is it."""

    def __init__(self, code):
        self.code = code

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        assert isinstance(err, ApplicationError), f"expected {self.code}, got {err!r}"
        assert err.code == self.code, err.code
        self.error = err
        return True


def test_an_invite_reaches_only_the_invitee_and_the_host_panel(stream, alice, bob, published, commit):
    watching(stream, bob)
    with commit():
        invite = stage.stage_invite(actor=alice, stream=stream, handle="@Bob")
    prompt = published.to(stream_user_group(stream.pk, bob.pk))
    assert [e["type"] for e in prompt] == ["streams.stage_invite"]
    assert prompt[0]["host"]["handle"] == "alice" and prompt[0]["invite"]["expires_at"]
    assert published.to(stream_group(stream.pk))[0]["op"] == "invited"
    assert invite.status == StageStatus.PENDING and invite.inviter == alice


def test_accept_gives_publish_rights_at_once_and_tells_everyone(stream, alice, bob, published, commit):
    watching(stream, bob)
    invite = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    assert stream_media_rights(stream_id=stream.pk).perms_for(str(bob.pk)) == VIEWER_PERMS
    with commit():
        stage.stage_invite_accept(actor=bob, invite=invite)
    joined = published.events("streams.stage", "joined")
    assert len(joined) == 1 and joined[0]["guests"] == 1 and joined[0]["seat"]["user"]["id"] == bob.pk
    assert joined == [e for e in published.to(stream_relay_group(stream.pk)) if e["op"] == "joined"]
    assert published.events("streams.stage_invite", "closed")[0]["status"] == "accepted"
    assert stream_media_rights(stream_id=stream.pk).perms_for(f"{bob.pk}~tab2") == GUEST_PERMS
    assert [s.invitee for s in stage_seats(stream=stream)] == [bob]


def test_video_when_the_host_allows_it_and_mute_drops_the_audio(stream, alice, bob):
    watching(stream, bob)
    invite = stage.stage_invite(actor=alice, stream=stream, handle="bob", video_allowed=True)
    stage.stage_invite_accept(actor=bob, invite=invite)
    assert stream_media_rights(stream_id=stream.pk).perms_for(str(bob.pk)) == GUEST_VIDEO_PERMS
    stage.stage_guest_mute(actor=alice, invite=invite, muted=True)
    assert stream_media_rights(stream_id=stream.pk).perms_for(str(bob.pk)) == VIEWER_PERMS


def test_removal_and_leaving_end_the_seat_and_the_rights(stream, alice, bob, carol, published, commit):
    watching(stream, bob, carol)
    seat = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    stage.stage_invite_accept(actor=bob, invite=seat)
    with commit():
        stage.stage_guest_remove(actor=alice, invite=seat)
    assert published.events("streams.stage", "left")[0]["guests"] == 0
    assert stream_media_rights(stream_id=stream.pk).perms_for(str(bob.pk)) == VIEWER_PERMS
    seat.refresh_from_db()
    assert seat.status == StageStatus.ENDED and seat.left_at
    other = stage.stage_invite(actor=alice, stream=stream, handle="carol")
    stage.stage_invite_accept(actor=carol, invite=other)
    stage.stage_leave(actor=carol, stream=stream)
    with refused("stage_not_on_stage"):
        stage.stage_leave(actor=carol, stream=stream)
    with refused("stage_not_on_stage"):
        stage.stage_guest_remove(actor=alice, invite=seat)


def test_inviting_a_non_viewer_a_blocker_twice_or_oneself_is_refused(stream, alice, bob, carol):
    with refused("stage_not_watching"):
        stage.stage_invite(actor=alice, stream=stream, handle="bob")
    watching(stream, bob, carol)
    presence_enter(stream_id=stream.pk, user_id=bob.pk)
    presence_leave(stream_id=stream.pk, user_id=bob.pk)  # one tab closed, one still open
    Block.objects.create(blocker=carol, blocked=alice)
    with refused("stage_blocked"):
        stage.stage_invite(actor=alice, stream=stream, handle="carol")
    stage.stage_invite(actor=alice, stream=stream, handle="bob")
    with refused("stage_already_invited"):
        stage.stage_invite(actor=alice, stream=stream, handle="bob")
    with refused("stage_cannot_invite_self"):
        stage.stage_invite(actor=alice, stream=stream, handle="alice")
    with refused("stage_user_not_found"):
        stage.stage_invite(actor=alice, stream=stream, handle="nobody")
    assert StageInvite.objects.count() == 1


def test_only_the_host_or_a_moderator_manages_the_stage(stream, alice, bob, carol, dave):
    watching(stream, bob)
    with refused("not_stage_manager"):
        stage.stage_invite(actor=carol, stream=stream, handle="bob")
    ChannelModerator.objects.create(channel=stream.channel, user=carol)
    invite = stage.stage_invite(actor=carol, stream=stream, handle="bob")
    with refused("not_stage_manager"):
        stage.stage_invite_cancel(actor=dave, invite=invite)
    stage.stage_invite_cancel(actor=carol, invite=invite)


def test_accepting_an_expired_cancelled_answered_or_someone_elses_invite(stream, alice, bob, carol, published, commit):
    watching(stream, bob, carol)
    invite = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    with refused("stage_invite_not_found"):
        stage.stage_invite_accept(actor=carol, invite=invite)
    stage.stage_invite_cancel(actor=alice, invite=invite)
    with refused("stage_invite_not_pending") as r:
        stage.stage_invite_accept(actor=bob, invite=invite)
    assert r.error.extra == {"status": "cancelled"}

    late = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    StageInvite.objects.filter(pk=late.pk).update(invited_at=timezone.now() - timedelta(seconds=31))
    with commit(), refused("stage_invite_not_pending") as r:
        stage.stage_invite_accept(actor=bob, invite=late)
    assert r.error.extra == {"status": "expired"}
    late.refresh_from_db()
    assert late.status == StageStatus.EXPIRED  # written although the answer was refused
    assert published.events("streams.stage_invite", "closed")[-1]["status"] == "expired"

    declined = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    stage.stage_invite_decline(actor=bob, invite=declined)
    with refused("stage_invite_not_pending"):
        stage.stage_invite_accept(actor=bob, invite=declined)


def test_an_invite_past_its_time_does_not_block_the_next(stream, alice, bob, published, commit):
    watching(stream, bob)
    first = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    StageInvite.objects.filter(pk=first.pk).update(invited_at=timezone.now() - timedelta(seconds=31))
    with commit():
        second = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    assert StageInvite.objects.get(pk=first.pk).status == StageStatus.EXPIRED
    assert [(e["op"], e.get("invite_id")) for e in published.to(stream_user_group(stream.pk, bob.pk))] == [
        ("closed", first.pk), ("invited", None)]
    assert second.status == StageStatus.PENDING


def test_the_beat_job_expires_due_invites_once(stream, alice, bob, carol, published, commit):
    watching(stream, bob, carol)
    due = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    fresh = stage.stage_invite(actor=alice, stream=stream, handle="carol")
    StageInvite.objects.filter(pk=due.pk).update(invited_at=timezone.now() - timedelta(seconds=30))
    with commit():
        assert stage.stage_invites_expire() == 1
    assert stage.stage_invites_expire() == 0
    assert StageInvite.objects.get(pk=due.pk).status == StageStatus.EXPIRED
    assert StageInvite.objects.get(pk=fresh.pk).status == StageStatus.PENDING
    assert published.to(stream_user_group(stream.pk, bob.pk))[-1]["status"] == "expired"


def test_a_full_stage_refuses_the_next_guest(stream, alice, settings):
    settings.STAGE_GUESTS_MAX = 2
    guests = [UserFactory() for _ in range(3)]
    watching(stream, *guests)
    invites = [stage.stage_invite(actor=alice, stream=stream, handle=g.handle) for g in guests]
    for guest, invite in zip(guests[:2], invites[:2], strict=True):
        stage.stage_invite_accept(actor=guest, invite=invite)
    with refused("stage_full") as r:
        stage.stage_invite_accept(actor=guests[2], invite=invites[2])
    assert r.error.extra == {"seats": 2}
    assert StageInvite.objects.get(pk=invites[2].pk).status == StageStatus.PENDING  # may accept once a seat frees


def test_raised_hands_queue_and_the_host_approves_or_denies(stream, alice, bob, carol, published, commit):
    with commit():
        hand = stage.stage_hand_raise(actor=bob, stream=stream)
    assert published.events("streams.stage", "hand_raised")[0]["seat"]["kind"] == "hand"
    with refused("stage_already_invited"):
        stage.stage_hand_raise(actor=bob, stream=stream)
    denied = stage.stage_hand_raise(actor=carol, stream=stream)
    with refused("not_stage_manager"):
        stage.stage_hand_answer(actor=carol, invite=hand, approve=True)
    stage.stage_hand_answer(actor=alice, invite=hand, approve=True)
    stage.stage_hand_answer(actor=alice, invite=denied, approve=False)
    assert stream_media_rights(stream_id=stream.pk).perms_for(str(bob.pk)) == GUEST_PERMS
    assert StageInvite.objects.get(pk=denied.pk).status == StageStatus.REJECTED
    with refused("stage_already_on_stage"):
        stage.stage_hand_raise(actor=bob, stream=stream)
    stage.stage_hand_raise(actor=carol, stream=stream)
    stage.stage_hand_lower(actor=carol, stream=stream)
    with refused("stage_invite_not_found"):
        stage.stage_hand_lower(actor=carol, stream=stream)


def test_a_blocker_cannot_raise_a_hand(stream, alice, bob):
    Block.objects.create(blocker=bob, blocked=alice)
    with refused("stage_blocked"):
        stage.stage_hand_raise(actor=bob, stream=stream)


def test_ending_the_stream_closes_the_stage(stream, alice, bob, carol):
    watching(stream, bob, carol)
    seat = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    stage.stage_invite_accept(actor=bob, invite=seat)
    pending = stage.stage_invite(actor=alice, stream=stream, handle="carol")
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        stream_end(actor=alice, stream=stream)
    assert StageInvite.objects.get(pk=seat.pk).status == StageStatus.ENDED
    assert StageInvite.objects.get(pk=pending.pk).status == StageStatus.CANCELLED
    with refused("stage_invite_not_pending"):
        stage.stage_invite_accept(actor=carol, invite=pending)
    assert stream_media_rights(stream_id=stream.pk).perms_for(str(bob.pk)) == frozenset()


def test_suggestions_are_current_signed_in_viewers_by_handle(stream, alice, django_assert_num_queries):
    here = [UserFactory(handle=h) for h in ("bea", "ben", "bert")]
    UserFactory(handle="bill")  # not watching
    watching(stream, *here)
    stage.stage_invite_accept(actor=here[2], invite=stage.stage_invite(actor=alice, stream=stream, handle="bert"))
    with django_assert_num_queries(1):
        found = stage_viewer_suggestions(stream=stream, query="@B")
    assert [u.handle for u in found] == ["bea", "ben"]  # bert is on stage already
    assert stage_viewer_suggestions(stream=stream, query="") == []


def test_an_invite_is_one_read_and_one_insert(stream, alice, bob, carol, django_assert_num_queries,
                                             published, commit):
    """The invite's way to the prompt (bench/stage_invite.py): a plain read of the invitee, then one statement
    that checks for a block and an open request, writes the row and counts the guests (its own transaction
    outside this test's: tests/streams/test_stage_races.py checks that commit)."""
    watching(stream, bob, carol)
    stage.stage_invite(actor=alice, stream=stream, handle="carol")
    stage.stage_invite_accept(actor=carol, invite=StageInvite.objects.get(invitee=carol))
    with django_assert_num_queries(2) as captured, commit():
        invite = stage.stage_invite(actor=alice, stream=stream, handle="bob")
    assert captured.captured_queries[1]["sql"].startswith("INSERT")
    assert StageInvite.objects.get(pk=invite.pk).status == StageStatus.PENDING
    invited = published.events("streams.stage", "invited")[-1]
    assert (invited["seat"]["user"]["handle"], invited["guests"]) == ("bob", 1)  # counted by the insert
