"""The clip admin: staff find a clip by its link's slug, its channel or its creator; nothing is added or
edited there (hiding goes through a moderation case)."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory

from .test_clip_pages import a_clip, no_celery, stream  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(handle="stella", is_staff=True, is_superuser=True))
    return client


def test_staff_find_a_clip_by_slug_channel_or_creator(staff_client, stream):  # noqa: F811
    clip = a_clip(stream, UserFactory(handle="vic"), slug="wow1", title="Wow")
    a_clip(stream, UserFactory(handle="zed"), slug="meh2", title="Meh")
    url = reverse("admin:vods_clip_changelist")
    for query in ("wow1", "vic"):
        page = staff_client.get(url, {"q": query}).content.decode()
        assert "Wow" in page and "Meh" not in page, query
    assert staff_client.get(url, {"q": "hana"}).content.decode().count("/change/") >= 2
    detail = staff_client.get(reverse("admin:vods_clip_change", args=[clip.pk]))
    assert detail.status_code == 200 and b'name="title"' not in detail.content  # read-only
    assert staff_client.get(reverse("admin:vods_clip_add")).status_code == 403


def test_the_clip_admin_is_for_staff_only(client, stream):  # noqa: F811
    client.force_login(UserFactory(handle="vic"))
    assert client.get(reverse("admin:vods_clip_changelist")).status_code == 302
