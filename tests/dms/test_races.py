"""Call races on PostgreSQL: real threads, one connection each, released together (tests/races.py)."""

from collections import Counter

import pytest

from accounts.services.social import block_create
from dms.models import Call, CallStatus, DirectMessage
from dms.services.calls import call_answer, call_start
from dms.services.messages import message_send
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.races import outcome, run_together

from .factories import direct_between

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 4


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_people_calling_each_other_at_once_make_one_call(published, round_):
    alice, bob = UserFactory(), UserFactory()
    conversation = direct_between(alice, bob)
    results = run_together([lambda: call_start(caller=alice, conversation=conversation),
                            lambda: call_start(caller=bob, conversation=conversation)])
    assert [outcome(r) for r in results] == ["ok", "ok"]
    assert Call.objects.filter(conversation=conversation).count() == 1
    # the second caller answered the first's call
    assert Call.objects.get(conversation=conversation).status == CallStatus.ACCEPTED
    assert {r[1][0].pk for r in results} == {Call.objects.get().pk}
    assert len(published.events("dms.call", "ringing")) == 1 and len(published.events("dms.call", "accepted")) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_call_answered_on_two_tabs_at_once_is_answered_once(published, round_):
    alice, bob = UserFactory(), UserFactory()
    conversation = direct_between(alice, bob)
    call, _ = call_start(caller=alice, conversation=conversation)
    results = run_together([lambda: call_answer(user=bob, call_id=call.pk, accept=True),
                            lambda: call_answer(user=bob, call_id=call.pk, accept=False)])
    assert Counter(outcome(r) for r in results) == {"ok": 1, "call_not_ringing": 1}
    call.refresh_from_db()
    assert call.status in (CallStatus.ACCEPTED, CallStatus.DECLINED)
    # every tab is told once, with the winner's answer: the others stop ringing
    assert [e["op"] for e in published.events("dms.call") if e["op"] != "ringing"] == [call.status]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_block_and_a_message_at_once_never_deliver_after_the_block(published, round_):
    alice, bob = UserFactory(), UserFactory()
    conversation = direct_between(alice, bob)
    results = run_together([lambda: block_create(blocker=bob, blocked=alice),
                            lambda: message_send(author=alice, conversation=conversation, body="hi")])
    assert outcome(results[0]) == "ok" and outcome(results[1]) in ("ok", "dm_blocked")
    sent = DirectMessage.objects.filter(conversation=conversation)
    # delivered only if it committed before the block (the pair's rows serialize them)
    if sent.exists():
        assert sent.get().created_at <= bob.blocks.get().created_at
    assert len(published.events("dms.message")) == sent.count()
