"""Authorization matrix for direct messages (RELIABILITY item 12): every dms endpoint × every kind of caller.

Olive talks with her friend Mia (one-to-one: a message of hers) and Ivy (one-to-one: Ivy is calling her
now), and leads a group with both. Otto, the other user, is Olive's friend but in none of her
conversations and no friend of Mia's. Staff are in no conversation. The machinery is tests/authz.py.
"""

from types import SimpleNamespace

import pytest

from accounts.services.tokens import api_token_create
from dms.models import Call, CallStatus, ConversationMember, DirectMessage, DmSettings
from tests.accounts.factories import UserFactory, make_friends
from tests.authz import (
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    caller,
    expect,
    matrix_params,
    perform,
)

from .factories import direct_between

pytestmark = pytest.mark.django_db

PUBLIC: set[str] = set()  # nothing in dms is open to anonymous callers


@pytest.fixture
def w():
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, mia=UserFactory(handle="mia"), ivy=UserFactory(handle="ivy"))
    w.owner, w.other = olive, UserFactory(handle="otto")
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    make_friends(olive, w.other)
    w.direct = direct_between(olive, w.mia)
    w.ivy_chat = direct_between(olive, w.ivy)
    from dms.services.conversations import group_create

    w.group = group_create(creator=olive, name="Trio", users=[w.mia, w.ivy])
    w.message = DirectMessage.objects.create(conversation=w.direct, author=olive, body="hi mia")
    w.call = Call.objects.create(conversation=w.ivy_chat, caller=w.ivy, callee=olive)
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def check_list(w, role, response):
    expected = {w.direct.pk, w.ivy_chat.pk, w.group.pk} if as_owner(role) else set()
    assert {row["conversation"]["id"] for row in response.json()["results"]} == expected


def check_opened(w, role, response):
    assert response.json()["id"] == w.direct.pk


def check_group(w, role, response):
    assert {m["handle"] for m in response.json()["members"]} == {"olive", "mia"}


def check_unread(w, role, response):
    assert response.json()["total"] == 0


def check_settings(w, role, response):
    assert response.json() == {"messages_from": "friends"}


def check_settings_saved(w, role, response):
    assert DmSettings.objects.get(user=caller(w, role)).messages_from == "nobody"


def check_ringing(w, role, response):
    assert [row["id"] for row in response.json()] == ([w.call.pk] if as_owner(role) else [])


def call_is(status: str):
    def check(w, role, response):
        assert Call.objects.get(pk=w.call.pk).status == status
    return check


def check_detail(w, role, response):
    assert response.json()["id"] == w.direct.pk and response.json()["read_positions"]


def check_renamed(w, role, response):
    assert response.json()["name"] == "Quartet"


def check_added(w, role, response):
    assert ConversationMember.objects.filter(conversation=w.group, user=w.other).exists()


def check_removed(w, role, response):
    assert not ConversationMember.objects.filter(conversation=w.group, user=w.ivy).exists()


def check_left(w, role, response):
    assert not ConversationMember.objects.filter(conversation=w.group, user=w.olive).exists()


def check_messages(w, role, response):
    assert [row["id"] for row in response.json()] == [w.message.pk]


def check_sent(w, role, response):
    assert DirectMessage.objects.get(pk=response.json()["id"]).author == w.olive


def check_edited(w, role, response):
    assert DirectMessage.objects.get(pk=w.message.pk).body == "hello mia"


def check_deleted(w, role, response):
    assert DirectMessage.objects.get(pk=w.message.pk).deleted_at is not None


def check_read(w, role, response):
    assert response.json() == {"last_read_id": w.message.pk, "unread_count": 0}


def check_called(w, role, response):
    assert Call.objects.get(pk=response.json()["id"]).callee == w.mia


D = "/dms/{w.direct.pk}"
G = "/dms/{w.group.pk}"
MEMBERS = {"owner": 200, "other": 404}

CASES = [
    Case("api-dms", "get", "/dms/", expect(owner=200), check=check_list),
    # Otto is no friend of Mia's: her privacy (friends) refuses him
    Case("api-dms", "post", "/dms/", expect(owner=200, other=403), data={"handle": "mia"}, check=check_opened),
    Case("api-dm-groups", "post", "/dms/groups/", expect(owner=201, other=403), data={"name": "", "members": ["mia"]},
         check=check_group),
    Case("api-dm-unread", "get", "/dms/unread/", expect(owner=200), check=check_unread),
    Case("api-dm-settings", "get", "/dms/settings/", expect(owner=200), check=check_settings),
    Case("api-dm-settings", "put", "/dms/settings/", expect(owner=200), data={"messages_from": "nobody"},
         check=check_settings_saved),
    Case("api-dm-calls-ringing", "get", "/dms/calls/ringing/", expect(owner=200), check=check_ringing),
    Case("api-dm-call-accept", "post", "/dms/calls/{w.call.pk}/accept/", expect(owner=200, other=404),
         check=call_is(CallStatus.ACCEPTED)),
    Case("api-dm-call-decline", "post", "/dms/calls/{w.call.pk}/decline/", expect(owner=200, other=404),
         check=call_is(CallStatus.DECLINED)),
    Case("api-dm-call-hang-up", "post", "/dms/calls/{w.call.pk}/hang-up/", expect(owner=200, other=404),
         check=call_is(CallStatus.DECLINED)),
    Case("api-dm", "get", D + "/", expect(owner=200, other=404), check=check_detail),
    Case("api-dm", "patch", G + "/", expect(owner=200, other=404), data={"name": "Quartet"}, check=check_renamed),
    Case("api-dm-members", "post", G + "/members/", expect(owner=201, other=404), data={"handle": "otto"}, check=check_added),
    Case("api-dm-member", "delete", G + "/members/ivy/", expect(owner=204, other=404), check=check_removed),
    Case("api-dm-leave", "post", G + "/leave/", expect(owner=204, other=404), check=check_left),
    Case("api-dm-messages", "get", D + "/messages/", expect(owner=200, other=404), check=check_messages),
    Case("api-dm-messages", "post", D + "/messages/", expect(owner=201, other=404), data={"body": "hello"}, check=check_sent),
    Case("api-dm-message", "patch", D + "/messages/{w.message.pk}/", expect(owner=200, other=404),
         data={"body": "hello mia"}, check=check_edited),
    Case("api-dm-message", "delete", D + "/messages/{w.message.pk}/", expect(owner=204, other=404), check=check_deleted),
    Case("api-dm-read", "post", D + "/read/", expect(owner=200, other=404), data=lambda: {"message_id": 10**9},
         check=check_read),
    Case("api-dm-typing", "post", D + "/typing/", expect(owner=204, other=404)),
    Case("api-dm-calls", "post", D + "/calls/", expect(owner=201, other=404), check=check_called),
]


def olive_state(w, role) -> dict:
    return {
        "members": sorted(ConversationMember.objects.filter(user=w.olive).values_list("conversation", "last_read_id")),
        "group": sorted(ConversationMember.objects.filter(conversation=w.group).values_list("user", flat=True)),
        "messages": sorted(DirectMessage.objects.values_list("pk", "body", "deleted_at")),
        "calls": sorted(Call.objects.values_list("pk", "status")),
        "settings": list(DmSettings.objects.filter(user=w.olive).values_list("messages_from", flat=True)),
    }


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    before = olive_state(w, role)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and as_owner(role)):
        assert olive_state(w, role) == before  # only Olive (or her token) changes her conversations


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("dms", CASES, at_least=20)


@pytest.mark.parametrize("name, method, route", anonymous_params("dms"))
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=PUBLIC, fill="x")
