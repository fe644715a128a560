"""Who may do what in a room (rooms.selectors capabilities), the same rules in the services, and the
flags the pages receive: the hello's `me`, rooms.me events, the page context. Raised hands. Next partner."""

import pytest

from rooms.errors import MatchError, RoomError
from rooms.events import room_group, room_user_group
from rooms.models import MatchRequest, MatchStatus, PlaybackControl, RoomKind, RoomMember, RoomRole
from rooms.selectors import match_status, me_snapshot, member_actions, member_capabilities
from rooms.services.matching import match_next, match_request_create
from rooms.services.membership import (
    leadership_transfer,
    member_hand_lower,
    member_hand_raise,
    member_kick,
    member_mute,
    member_set_role,
    room_update,
)
from tests.accounts.factories import UserFactory

from .conftest import refused
from .factories import RoomFactory, add_member, leader_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(alice, bob, carol):
    """alice leads, bob moderates, carol is a member."""
    room = RoomFactory(created_by=alice, name="Crew")
    add_member(room, bob, role=RoomRole.MODERATOR)
    add_member(room, carol)
    return room


def member(room, user) -> RoomMember:
    return RoomMember.objects.get(room=room, user=user)


def test_capabilities_by_role(crew, alice, bob, carol):
    leader, mod, plain = (member_capabilities(room=crew, member=member(crew, u)) for u in (alice, bob, carol))
    assert [(c["can_control"], c["can_moderate"], c["can_lead"], c["can_chat"]) for c in (leader, mod, plain)] == [
        (True, True, True, True), (True, True, False, True), (False, False, False, True)]
    assert leader["member_actions"] == {"leader": [], "moderator": ["mute", "kick", "lower_hand", "role", "transfer"],
                                        "member": ["mute", "kick", "lower_hand", "role", "transfer"]}
    assert mod["member_actions"] == {"leader": [], "moderator": [], "member": ["mute", "kick", "lower_hand"]}
    assert plain["member_actions"] == {"leader": [], "moderator": [], "member": []}
    assert member_capabilities(room=crew, member=None)["can_chat"] is False


def test_playback_control_and_chat_mode_change_the_flags(crew, carol):
    crew.playback_control, crew.chat_mode = PlaybackControl.ANYONE, "mods"
    flags = member_capabilities(room=crew, member=member(crew, carol))
    assert (flags["can_control"], flags["can_chat"]) == (True, False)


def test_nobody_acts_on_themselves_or_in_a_partner_call(crew, alice, bob):
    assert member_actions(room=crew, actor=member(crew, alice), target=member(crew, alice)) == []
    crew.is_matchmade = True
    assert member_actions(room=crew, actor=member(crew, alice), target=member(crew, bob)) == []


def test_the_services_follow_the_same_rules_in_a_partner_call(alice, bob):
    call = RoomFactory(created_by=alice, kind=RoomKind.VOICE, is_matchmade=True, max_members=2)
    add_member(call, bob)
    for act in (lambda: member_kick(actor=alice, room=call, target=bob),
                lambda: member_mute(actor=alice, room=call, target=bob, is_muted=True),
                lambda: member_set_role(actor=alice, room=call, target=bob, role=RoomRole.MODERATOR),
                lambda: leadership_transfer(actor=alice, room=call, target=bob)):
        with refused(RoomError.NOT_ALLOWED, 403):
            act()
    assert leader_of(call).user == alice and not member(call, bob).is_muted


def test_moderators_cannot_act_on_moderators(crew, bob, dave):
    add_member(crew, dave, role=RoomRole.MODERATOR)
    with refused(RoomError.NOT_ALLOWED, 403):
        member_mute(actor=bob, room=crew, target=dave, is_muted=True)


def test_a_room_setting_that_changes_powers_tells_each_member(crew, alice, bob, carol, published, commit):
    with commit():
        room_update(actor=alice, room=crew, playback_control=PlaybackControl.ANYONE)
    mine = {tuple(groups): event for groups, event, _ in published if event["type"] == "rooms.me"}
    assert set(mine) == {(room_user_group(crew.pk, u.pk),) for u in (alice, bob, carol)}
    assert mine[(room_user_group(crew.pk, carol.pk),)]["me"]["can_control"] is True
    published.clear()
    with commit():
        room_update(actor=alice, room=crew, topic="Films")  # no power changes: nobody is told
    assert [e["type"] for _, e, _ in published if e["type"] == "rooms.me"] == []


def test_a_new_moderator_learns_their_powers(crew, alice, carol, published, commit):
    with commit():
        member_set_role(actor=alice, room=crew, target=carol, role=RoomRole.MODERATOR)
    (groups, event, _), = [p for p in published if p[1]["type"] == "rooms.me"]
    assert groups == [room_user_group(crew.pk, carol.pk)]
    assert event == {"type": "rooms.me", "op": "updated", "me": me_snapshot(room=crew, member=member(crew, carol))}
    assert event["me"]["can_moderate"] is True


# -- raised hands ------------------------------------------------------------------------------------
def test_raise_and_lower_a_hand(crew, carol, published, commit):
    with commit():
        first = member_hand_raise(user=carol, room=crew, is_raised=True).hand_raised_at
        member_hand_raise(user=carol, room=crew, is_raised=True)  # again: keeps the place, no event
    assert member(crew, carol).hand_raised_at == first
    (groups, event, _), = published
    assert groups == [room_group(crew.pk)]
    assert event == {"type": "rooms.hand", "op": "raised", "user_id": carol.pk, "hand_raised_at": first.isoformat().replace("+00:00", "Z")}
    published.clear()
    with commit():
        member_hand_raise(user=carol, room=crew, is_raised=False)
    assert [e for _, e, _ in published] == [{"type": "rooms.hand", "op": "lowered", "user_id": carol.pk, "hand_raised_at": None}]


def test_a_moderator_lowers_a_hand_a_member_cannot(crew, bob, carol, dave):
    add_member(crew, dave)
    member_hand_raise(user=carol, room=crew, is_raised=True)
    with refused(RoomError.NOT_ALLOWED, 403):
        member_hand_lower(actor=dave, room=crew, target=carol)
    assert member_hand_lower(actor=bob, room=crew, target=carol).hand_raised_at is None


def test_only_members_raise_hands(crew, dave):
    with refused(RoomError.NOT_A_MEMBER, 404):
        member_hand_raise(user=dave, room=crew, is_raised=True)


# -- next partner ------------------------------------------------------------------------------------
def test_next_partner_leaves_the_call_and_waits_again_with_the_same_languages(alice, bob, commit):
    match_request_create(user=alice, speaks=["en"], learns=["fr"])
    match_request_create(user=bob, speaks=["fr"], learns=["en"])
    call = MatchRequest.objects.get(user=bob).room
    waiting = UserFactory()
    match_request_create(user=waiting, speaks=["de"], learns=["ja"])
    assert match_status(user=bob)["waiting_count"] == 1
    with commit():
        request = match_next(user=bob)
    assert (request.status, request.speaks, request.learns) == (MatchStatus.WAITING, ["fr"], ["en"])
    assert list(RoomMember.objects.filter(room=call).values_list("user__handle", flat=True)) == ["alice"]
    assert match_status(user=alice)["waiting_count"] == 2


def test_next_partner_needs_a_match(alice):
    with refused(MatchError.NOT_MATCHED, 404):
        match_next(user=alice)


# -- the pages ----------------------------------------------------------------------------------------
def test_a_voice_room_page_has_seats_and_a_voice_bar_not_the_player(client, alice, bob):
    room = RoomFactory(created_by=alice, kind=RoomKind.VOICE, max_members=12)
    add_member(room, bob)
    client.force_login(bob)
    html = client.get(f"/r/{room.code}/").content.decode()
    assert 'id="seats"' in html and 'id="hand-raise"' in html and 'id="player-box"' not in html
    assert 'id="next-partner"' not in html
    assert 'id="leader-panel" hidden' in html  # bob may not moderate: the context's flags say so
    client.force_login(alice)
    assert 'id="leader-panel">' in client.get(f"/r/{room.code}/").content.decode()


def test_a_partner_call_has_next_partner_and_the_waiting_count(client, alice, bob):
    match_request_create(user=alice, speaks=["en"], learns=["fr"])
    match_request_create(user=bob, speaks=["fr"], learns=["en"])
    match_request_create(user=UserFactory(), speaks=["de"], learns=["ja"])
    client.force_login(alice)
    html = client.get(f"/r/{MatchRequest.objects.get(user=alice).room.code}/").content.decode()
    assert 'id="next-partner"' in html and "1 waiting for a partner" in html


def test_a_watch_room_page_keeps_the_player(client, alice):
    room = RoomFactory(created_by=alice)
    client.force_login(alice)
    html = client.get(f"/r/{room.code}/").content.decode()
    assert 'id="player-box"' in html and 'id="seats"' not in html


def test_the_partner_page_picks_languages_by_name(client, alice):
    alice.native_languages, alice.learning_languages = ["en"], ["fr"]
    alice.save()
    client.force_login(alice)
    html = client.get("/partner/").content.decode()
    assert "data-language-picker" in html
    assert '<option value="en" selected>English</option>' in html and '<option value="fr" selected>French</option>' in html


@pytest.mark.parametrize("chat_mode", ["all", "mods", "off"])
@pytest.mark.parametrize("role", ["leader", "moderator", "member"])
@pytest.mark.parametrize("is_muted", [False, True])
def test_can_chat_agrees_with_what_sending_does(alice, bob, chat_mode, role, is_muted):
    from config.errors import ApplicationError
    from rooms.services.chat import message_send

    room = RoomFactory(created_by=alice, chat_mode=chat_mode)
    if role == "leader":
        me = leader_of(room)
        RoomMember.objects.filter(pk=me.pk).update(is_muted=is_muted)
    else:
        me = add_member(room, bob, role=role, is_muted=is_muted)
    me.refresh_from_db()
    try:
        message_send(author=me.user, room=room, body="hello")
        sent = True
    except ApplicationError:
        sent = False
    assert member_capabilities(room=room, member=me)["can_chat"] is sent
