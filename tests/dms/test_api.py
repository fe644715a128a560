"""The API as clients meet it: error shapes for the bad inputs, and the exact query counts of its reads."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Block
from dms.models import DirectMessage
from dms.services.conversations import group_create
from tests.accounts.factories import UserFactory, make_friends

from .factories import direct_between

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_bad_inputs_answer_in_the_error_shape(alice, bob, carol):
    client = client_for(alice)
    # someone who blocked you: not found, as everywhere (a block is not revealed)
    Block.objects.create(blocker=bob, blocked=alice)
    response = client.post("/api/v1/dms/", {"handle": "bob"}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "user_not_found")
    # someone who allows messages from friends only
    response = client.post("/api/v1/dms/", {"handle": "carol"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "dm_not_accepted")
    assert response.json()["extra"] == {"messages_from": "friends"}
    # a group over 10
    friends = [UserFactory() for _ in range(10)]
    for friend in friends:
        make_friends(alice, friend)
    response = client.post("/api/v1/dms/groups/", {"name": "big", "members": [f.handle for f in friends]}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "dm_group_full")
    # an empty message, a message id that isn't one
    conversation = direct_between(alice, carol)
    response = client.post(f"/api/v1/dms/{conversation.pk}/messages/", {"body": "   "}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "message_empty")
    response = client.get(f"/api/v1/dms/{conversation.pk}/messages/?before=x")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_reads_have_fixed_query_counts(alice, bob, carol, django_assert_num_queries):
    make_friends(alice, carol)
    conversation = direct_between(alice, bob)
    group_create(creator=alice, name="g", users=[bob, carol])
    for i in range(5):
        DirectMessage.objects.create(conversation=conversation, author=bob, body=f"m{i}")
    client = client_for(alice)
    # the user (sessions live in the cache); count, rows, their members (with users)
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/dms/").json()["results"]) == 2
    # the user; the conversation, the page
    with django_assert_num_queries(3):
        assert len(client.get(f"/api/v1/dms/{conversation.pk}/messages/").json()) == 5
    # the user; the counts
    with django_assert_num_queries(2):
        assert client.get("/api/v1/dms/unread/").json() == {"total": 0, "conversations": {}}
