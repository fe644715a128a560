"""Who sees a VOD (visibility × caller), the VOD page (player data, chapters, views, the host's edits,
delete, retry), and VODs on the channel page and the profile."""

from __future__ import annotations

import json
import os
import re
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser

from streams.chat_policy import ChannelSubscription
from streams.models import ChannelFollow
from tests.accounts.factories import UserFactory
from vods import processing
from vods.history import watch_progress_record
from vods.models import Vod, VodStatus, VodVisibility, WatchKind
from vods.selectors import vod_watchable, vods_of_channel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("visibility, anonymous, other, follower, subscriber", [
    (VodVisibility.PUBLIC, True, True, True, True),
    (VodVisibility.FOLLOWERS, False, False, True, False),
    (VodVisibility.SUBSCRIBERS, False, False, False, True),
    (VodVisibility.PRIVATE, False, False, False, False),
])
def test_visibility_decides_who_watches(channel, visibility, anonymous, other, follower, subscriber,
                                        django_assert_num_queries):
    vod = Vod.objects.create(channel=channel, title="x", visibility=visibility, status=VodStatus.READY)
    fan, paying, stranger = UserFactory(), UserFactory(), UserFactory()
    ChannelFollow.objects.create(channel=channel, user=fan)

    def subscription(*, channel, user):
        return ChannelSubscription(is_subscriber=user == paying)

    with mock.patch("vods.selectors.channel_subscription", side_effect=subscription):
        seen = {who: vod_watchable(user=user, vod=vod) for who, user in [
            ("anonymous", AnonymousUser()), ("other", stranger), ("follower", fan), ("subscriber", paying),
            ("owner", channel.owner)]}
        listed = {who: vods_of_channel(channel=channel, user=user).exists() for who, user in [
            ("anonymous", AnonymousUser()), ("other", stranger), ("follower", fan), ("subscriber", paying),
            ("owner", channel.owner)]}
        with django_assert_num_queries(2):  # the follow, then the list
            list(vods_of_channel(channel=channel, user=fan))
    expected = {"anonymous": anonymous, "other": other, "follower": follower, "subscriber": subscriber, "owner": True}
    assert seen == expected and listed == expected


def test_a_failed_vod_is_the_hosts_alone(channel):
    vod = Vod.objects.create(channel=channel, title="x", status=VodStatus.FAILED)
    assert vod_watchable(user=channel.owner, vod=vod) and not vod_watchable(user=AnonymousUser(), vod=vod)


def player_of(response) -> dict:
    raw = re.search(r'data-player="([^"]+)"', response.content.decode()).group(1)
    return json.loads(raw.replace("&quot;", '"'))


def test_the_vod_page_plays_counts_views_and_lists_chapters(recorded, client):
    vod = recorded(seconds=1)

    response = client.get(f"/v/{vod.pk}/")

    assert response.status_code == 200
    player = player_of(response)
    assert player["master"] == f"/v/{vod.pk}/master.m3u8" and player["chapters"][0]["title"] == "Chess night"
    assert player["resume_at"] is None and player["reports_progress"] is False  # anonymous: the browser keeps it
    assert 'data-chapter="0"' in response.content.decode() and "Edit" not in response.content.decode()
    assert Vod.objects.get(pk=vod.pk).views == 1


def test_a_viewer_resumes_where_the_watch_history_says_on_any_device(recorded, client):
    vod = recorded(seconds=1)
    viewer = UserFactory()
    client.force_login(viewer)
    assert player_of(client.get(f"/v/{vod.pk}/"))["resume_at"] is None  # never watched
    watch_progress_record(user=viewer, kind=WatchKind.VOD, vod=vod, position_seconds=42.5, is_playing=False)
    player = player_of(client.get(f"/v/{vod.pk}/"))
    assert player["resume_at"] == 42.5 and player["reports_progress"] is True


def test_the_host_edits_and_deletes(recorded, client):
    vod = recorded(seconds=1)
    processing.vod_process(vod_id=vod.pk)
    client.force_login(vod.channel.owner)
    assert "<summary>Edit</summary>" in client.get(f"/v/{vod.pk}/").content.decode()
    assert Vod.objects.get(pk=vod.pk).views == 0  # the host's own views are not counted

    client.post(f"/v/{vod.pk}/edit/", {"title": "Best of", "description": "Highlights", "visibility": "private"})
    vod.refresh_from_db()
    assert (vod.title, vod.description, vod.visibility) == ("Best of", "Highlights", "private")
    assert client.get(f"/v/{vod.pk}/").status_code == 200
    other = UserFactory()
    client.force_login(other)
    assert client.get(f"/v/{vod.pk}/").status_code == 404
    assert client.post(f"/v/{vod.pk}/delete/").status_code == 404

    client.force_login(vod.channel.owner)
    response = client.post(f"/v/{vod.pk}/delete/")
    assert response.status_code == 302 and not Vod.objects.filter(pk=vod.pk).exists()


def test_deleting_removes_the_files_after_commit(recorded, settings, commit):
    from vods.services import vod_delete

    vod = recorded(seconds=1)
    processing.vod_process(vod_id=vod.pk)
    with commit():
        vod_delete(actor=vod.channel.owner, vod=Vod.objects.get(pk=vod.pk))
    files = [f for _, _, fs in os.walk(settings.MEDIA_ROOT) for f in fs]
    assert files == []  # renditions, thumbnail and the recording's segments


def test_a_failed_vod_is_retried_from_the_page(recorded, client, media):
    vod = recorded(seconds=1)
    Vod.objects.filter(pk=vod.pk).update(status=VodStatus.FAILED, failure_reason="boom")
    client.force_login(vod.channel.owner)
    assert "data-vod-retry" in client.get(f"/v/{vod.pk}/").content.decode()
    media.reset_mock()

    with mock.patch("django.db.transaction.on_commit", side_effect=lambda f, *a, **k: f()):
        client.post(f"/v/{vod.pk}/retry/")

    assert Vod.objects.get(pk=vod.pk).status == VodStatus.QUEUED
    media.assert_called_once_with((vod.pk,), countdown=0)


def test_vods_show_on_the_channel_page_and_the_profile(recorded, client):
    vod = recorded(seconds=1)
    private = Vod.objects.create(channel=vod.channel, title="Secret", visibility=VodVisibility.PRIVATE)

    channel_page = client.get(f"/c/{vod.channel.slug}/").content.decode()
    profile = client.get(f"/@{vod.channel.owner.handle}").content.decode()

    for page in (channel_page, profile):
        assert f'data-vod="{vod.pk}"' in page and f'data-vod="{private.pk}"' not in page
    client.force_login(vod.channel.owner)
    assert f'data-vod="{private.pk}"' in client.get(f"/c/{vod.channel.slug}/").content.decode()


def test_the_hosts_studio_lists_every_vod_with_progress_and_retry(recorded, client):
    vod = recorded(seconds=1)
    failed = Vod.objects.create(channel=vod.channel, title="Broken", status=VodStatus.FAILED,
                                failure_reason="The recording is truncated.")
    Vod.objects.filter(pk=vod.pk).update(status=VodStatus.PROCESSING, progress=40, claimed_at="2026-12-07T00:00Z")
    client.force_login(vod.channel.owner)

    page = client.get("/studio/").content.decode()

    assert "Processing 40 %" in page and "The recording is truncated." in page
    assert f'data-vod-retry="{failed.pk}"' in page and f'data-vod-retry="{vod.pk}"' not in page
