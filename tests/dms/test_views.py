"""The pages: the conversations list and one conversation, with what each may show as data."""

import pytest

from dms.services.conversations import group_create
from tests.accounts.factories import make_friends

from .factories import direct_between

pytestmark = pytest.mark.django_db


def test_the_list_shows_my_conversations_with_their_unread_counts(client, alice, bob, carol):
    conversation = direct_between(alice, bob)
    conversation.members.filter(user=alice).update(unread_count=3)
    client.force_login(alice)
    response = client.get("/messages/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-dm-count="{conversation.pk}">3</span>' in html and "bob" in html
    assert 'id="dm-count"' in html and 'id="call-prompt"' in html  # the header's badge and the prompt, on every page


def test_a_conversation_page_for_members_only_with_its_capabilities(client, alice, bob, carol):
    conversation = direct_between(alice, bob)
    make_friends(alice, carol)
    group = group_create(creator=alice, name="Pals", users=[bob, carol])
    client.force_login(alice)
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    assert 'id="dm-call"' in page and 'data-can-call="true"' in page
    page = client.get(f"/messages/{group.pk}/").content.decode()
    assert 'id="dm-call"' not in page and "Remove" in page  # no calls in groups; its creator removes people
    client.force_login(bob)
    page = client.get(f"/messages/{group.pk}/").content.decode()
    assert "Remove" not in page
    client.force_login(carol)
    assert client.get(f"/messages/{conversation.pk}/").status_code == 404
