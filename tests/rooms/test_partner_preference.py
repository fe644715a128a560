"""Partner matching prefers language exchanges: complementary pairs (my native = your learning, and the
other way) first, then the two learners' levels close together, then the one waiting longest; blocked
people are never chosen (rooms.services.matching.match_rank; race safety: tests/rooms/test_races.py)."""

import pytest

from accounts.models import LanguageLevel
from accounts.services.social import block_create
from rooms.models import MatchRequest, MatchStatus
from rooms.services.matching import UNKNOWN_LEVEL_GAP, match_rank, match_request_create
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _waiting(handle: str, *, speaks: list[str], learns: list[str], level: str | None = None) -> MatchRequest:
    user = UserFactory(handle=handle)
    if level:
        for code in learns:
            LanguageLevel.objects.create(user=user, language=code, level=level)
    request = match_request_create(user=user, speaks=speaks, learns=learns)
    assert request.status == MatchStatus.WAITING
    return request


def test_of_several_waiting_the_complementary_one_with_the_closest_level_is_chosen(published):
    # given: five people waiting, oldest first; none of them suits another
    one_way = _waiting("oneway", speaks=["en"], learns=["de"])          # helps me, but I can't help them
    far = _waiting("far", speaks=["en"], learns=["es"], level="A1")     # an exchange, levels 2 apart
    close = _waiting("close", speaks=["en"], learns=["es"], level="B2")  # an exchange, levels 1 apart
    _waiting("unset", speaks=["en"], learns=["es"])                     # an exchange, no level set
    blocker = _waiting("blocker", speaks=["en"], learns=["es"], level="B1")  # the same level, but blocked me
    me = UserFactory(handle="me")
    LanguageLevel.objects.create(user=me, language="en", level="B1")
    block_create(blocker=blocker.user, blocked=me)

    # when: I ask for a partner (I speak Spanish and learn English at B1)
    mine = match_request_create(user=me, speaks=["es"], learns=["en"])

    # then: the complementary one whose level is closest to mine, not the oldest, not the blocker
    assert mine.status == MatchStatus.MATCHED and mine.partner_id == close.user_id
    close.refresh_from_db()
    assert close.status == MatchStatus.MATCHED and close.partner_id == me.pk
    assert set(MatchRequest.objects.filter(status=MatchStatus.WAITING).values_list("user__handle", flat=True)) == {
        "oneway", "far", "unset", "blocker"}
    assert one_way.pk and far.pk


def test_a_one_way_partner_is_still_found_when_nobody_complementary_waits(published):
    oldest = _waiting("first", speaks=["en"], learns=["de"])
    _waiting("second", speaks=["en"], learns=["ja"])
    mine = match_request_create(user=UserFactory(), speaks=["es"], learns=["en"])
    assert mine.status == MatchStatus.MATCHED and mine.partner_id == oldest.user_id


def test_between_equal_ranks_the_one_waiting_longest_is_chosen(published):
    first = _waiting("first", speaks=["en"], learns=["es"], level="B1")
    _waiting("second", speaks=["en"], learns=["es"], level="B1")
    me = UserFactory()
    LanguageLevel.objects.create(user=me, language="en", level="B1")
    assert match_request_create(user=me, speaks=["es"], learns=["en"]).partner_id == first.user_id


@pytest.mark.parametrize("mine_level, theirs_level, rank", [
    ("B1", "B1", (0, 0)), ("A1", "C2", (0, 5)), (None, "B1", (0, UNKNOWN_LEVEL_GAP)),
])
def test_the_rank_is_complementarity_then_the_level_gap(mine_level, theirs_level, rank):
    mine = MatchRequest(user_id=1, speaks=["es"], learns=["en"])
    theirs = MatchRequest(user_id=2, speaks=["en"], learns=["es"])
    levels = {1: {"en": mine_level} if mine_level else {}, 2: {"es": theirs_level}}
    assert match_rank(mine, theirs, levels) == rank
    one_way = MatchRequest(user_id=3, speaks=["en"], learns=["fr"])
    assert match_rank(mine, one_way, levels) == (1, UNKNOWN_LEVEL_GAP) and match_rank(mine, one_way, levels) > rank
