"""Reads carry an ETag; sending it back as If-None-Match answers 304 with no body (docs/api.md, Conventions)."""

import pytest
from rest_framework.test import APIClient

from streams.models import Channel
from tests.accounts.factories import UserFactory
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db


def test_an_unchanged_read_answers_304_and_a_changed_one_its_new_body():
    channel = ChannelFactory(slug="olive", description="Chess")
    live_stream(channel, title="Chess")
    client = APIClient()
    first = client.get("/api/v1/channels/olive/")
    assert first.status_code == 200 and first["ETag"]

    again = client.get("/api/v1/channels/olive/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")
    assert again["ETag"] == first["ETag"] and again["RateLimit-Limit"] == "60"

    Channel.objects.filter(pk=channel.pk).update(description="Chess and tea")
    changed = client.get("/api/v1/channels/olive/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.json()["description"] == "Chess and tea"


def test_writes_never_answer_304():
    client = APIClient()
    client.force_login(UserFactory())
    read = client.get("/api/v1/me/")
    write = client.patch("/api/v1/me/", {"bio": "new"}, format="json", HTTP_IF_NONE_MATCH=read["ETag"])
    assert write.status_code == 200
