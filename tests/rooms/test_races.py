"""Concurrency on PostgreSQL: real threads released by a barrier, one DB connection each.

Rounds repeat to catch the race. The `published` fixture records what would be sent
(commit callbacks run for real in these transactional tests).
"""

from collections import Counter
from itertools import combinations

import pytest

from config.errors import ConflictError
from rooms.models import MatchRequest, MatchStatus, Room, RoomMember, SkipVote
from rooms.services.matching import is_compatible, match_request_create
from rooms.services.membership import room_join
from rooms.services.queue import skip_vote
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres

from .conftest import outcome, run_together
from .factories import RoomFactory, add_member, set_source

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
CAPACITY = 10


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_three_times_capacity_concurrent_joins_fill_the_room_exactly(published, round_):
    # given: a public room for 10, its leader holding one seat
    room = RoomFactory(max_members=CAPACITY)
    joiners = UserFactory.create_batch(3 * CAPACITY)

    # when: 30 people join at the same moment
    results = run_together([lambda user=user: room_join(user=user, room=room) for user in joiners])

    # then: the room holds exactly its capacity; everyone else got a clear 409 room_full
    assert RoomMember.objects.filter(room=room).count() == CAPACITY
    assert Counter(outcome(r) for r in results) == {"ok": CAPACITY - 1, "room_full": 2 * CAPACITY + 1}
    refusals = [value for kind, value in results if kind == "error"]
    assert all(isinstance(err, ConflictError) and err.extra == {"max_members": CAPACITY} for err in refusals)
    accepted = {value.user_id for kind, value in results if kind == "ok"}
    assert accepted == set(RoomMember.objects.filter(room=room, role="member").values_list("user_id", flat=True))
    assert len(published.events("rooms.member", "joined")) == CAPACITY - 1
    assert len(published.events("rooms.hallway", "updated")) == CAPACITY - 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_same_user_joining_ten_times_at_once_is_one_member(published, round_):
    room, user = RoomFactory(max_members=CAPACITY), UserFactory()
    results = run_together([lambda: room_join(user=user, room=room)] * 10)
    assert [outcome(r) for r in results] == ["ok"] * 10
    assert len({value.pk for _, value in results}) == 1
    assert RoomMember.objects.filter(room=room, user=user).count() == 1
    assert len(published.events("rooms.member", "joined")) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_twenty_concurrent_partner_requests_pair_everyone_at_most_once(published, round_):
    # given: ten English speakers learning Spanish and ten Spanish speakers learning English
    users = UserFactory.create_batch(20)
    languages = {user.pk: (["en"], ["es"]) if i % 2 == 0 else (["es"], ["en"]) for i, user in enumerate(users)}

    # when: all twenty ask for a partner at once
    results = run_together(
        [lambda user=user: match_request_create(user=user, speaks=languages[user.pk][0], learns=languages[user.pk][1])
         for user in users]
    )

    # then: every request was taken; nobody is in two pairs; waiting + 2 × rooms == 20
    assert [outcome(r) for r in results] == ["ok"] * 20
    requests = list(MatchRequest.objects.select_related("room"))
    assert len(requests) == 20 and Counter(r.user_id for r in requests) == {user.pk: 1 for user in users}
    matched = [r for r in requests if r.status == MatchStatus.MATCHED]
    waiting = [r for r in requests if r.status == MatchStatus.WAITING]
    rooms = Room.objects.filter(is_matchmade=True)
    assert len(waiting) + 2 * rooms.count() == 20
    assert len(matched) == 2 * rooms.count()
    memberships = Counter(RoomMember.objects.filter(room__in=rooms).values_list("user_id", flat=True))
    assert all(count == 1 for count in memberships.values()), memberships
    for room in rooms:
        pair = [r for r in matched if r.room_id == room.pk]
        assert len(pair) == 2
        first, second = pair
        assert (first.partner_id, second.partner_id) == (second.user_id, first.user_id)
        assert is_compatible(first, second)
        assert set(RoomMember.objects.filter(room=room).values_list("user_id", flat=True)) == {first.user_id, second.user_id}
    # nobody was left waiting beside a compatible partner
    assert not any(is_compatible(a, b) for a, b in combinations(waiting, 2))
    assert len(published.events("rooms.match", "found")) == len(matched)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_concurrent_skip_votes_by_one_user_make_one_vote(published, round_):
    # given: something playing and three people connected (two votes needed)
    room = set_source(RoomFactory())
    voter = add_member(room).user
    add_member(room)
    RoomMember.objects.filter(room=room).update(connections=1)

    results = run_together([lambda: skip_vote(user=voter, room=room)] * 10)

    assert Counter(outcome(r) for r in results) == {"ok": 1, "already_voted": 9}
    assert SkipVote.objects.filter(room=room).count() == 1
    assert next(value for kind, value in results if kind == "ok") == (1, 2)
    assert Room.objects.get(pk=room.pk).source_url == room.source_url
    assert len(published.events("rooms.queue", "updated")) == 1
