"""Channels, follows and the stream life cycle (streams.services), with their refusals and events."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import Notification
from accounts.notification_registry import kind_info
from config.errors import ApplicationError
from streams import audience, services
from streams.events import stream_group, stream_relay_group
from streams.models import Channel, ChannelFollow, Stream, StreamStatus
from tests.accounts.factories import UserFactory

from .factories import ChannelFactory, StreamFactory, live_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(alice):
    return ChannelFactory(owner=alice, name="Alice live", slug="alice")


def test_a_user_creates_one_channel_with_a_clean_slug_and_tags(bob):
    made = services.channel_create(actor=bob, name=" Bob's ", slug="Bob-Plays", tags=["#Chess", "chess", "Go"],
                                   language="fr", category="gaming")
    assert (made.name, made.slug, made.tags, made.language) == ("Bob's", "bob-plays", ["chess", "go"], "fr")
    with pytest.raises(ApplicationError) as err:
        services.channel_create(actor=bob, name="Again", slug="bob-two")
    assert err.value.code == "channel_exists"


@pytest.mark.parametrize(("field", "value"), [
    ("slug", "ab"), ("slug", "has space"), ("slug", "studio"), ("name", ""), ("name", "x" * 61),
    ("language", "xx"), ("category", "nope"), ("tags", ["t"] * 11), ("tags", ["x" * 26]),
    ("description", "d" * 2001),
])
def test_channel_fields_out_of_range_are_refused_field_by_field(bob, field, value):
    fields = {"name": "Bob", "slug": "bob", field: value}
    with pytest.raises(ApplicationError) as err:
        services.channel_create(actor=bob, **fields)
    assert err.value.code == "channel_invalid" and field in err.value.extra["fields"]
    assert not Channel.objects.exists()


def test_a_taken_slug_is_refused(channel, bob):
    with pytest.raises(ApplicationError) as err:
        services.channel_create(actor=bob, name="Bob", slug="ALICE")
    assert err.value.code == "channel_slug_taken"


def test_only_the_owner_edits_the_channel(channel, bob):
    with pytest.raises(ApplicationError) as err:
        services.channel_update(actor=bob, channel=channel, name="Mine")
    assert err.value.code == "not_channel_owner"
    services.channel_update(actor=channel.owner, channel=channel, name="New name", tags=["a"])
    channel.refresh_from_db()
    assert (channel.name, channel.tags) == ("New name", ["a"])


def test_follow_unfollow_and_the_notify_switch(channel, bob):
    follow = services.channel_follow(actor=bob, channel=channel)
    assert follow.notify
    assert services.channel_follow(actor=bob, channel=channel, notify=False).pk == follow.pk  # one row
    assert services.channel_follow_notify_set(actor=bob, channel=channel, notify=True).notify
    services.channel_unfollow(actor=bob, channel=channel)
    assert not ChannelFollow.objects.exists()
    with pytest.raises(ApplicationError) as err:
        services.channel_follow_notify_set(actor=bob, channel=channel, notify=True)
    assert err.value.code == "not_following"
    with pytest.raises(ApplicationError) as err:
        services.channel_follow(actor=channel.owner, channel=channel)
    assert err.value.code == "cannot_follow_own_channel"


def test_a_title_of_201_characters_is_refused_and_200_is_taken(channel):
    later = timezone.now() + timedelta(hours=1)
    with pytest.raises(ApplicationError) as err:
        services.stream_schedule(actor=channel.owner, channel=channel, title="t" * 201, scheduled_for=later)
    assert err.value.code == "stream_invalid" and "title" in err.value.extra["fields"]
    with pytest.raises(ApplicationError) as err:
        services.stream_go_live(actor=channel.owner, channel=channel, title="t" * 201)
    assert err.value.code == "stream_invalid"
    assert services.stream_schedule(actor=channel.owner, channel=channel, title="t" * 200, scheduled_for=later).pk


def test_a_stream_cannot_be_scheduled_in_the_past_nor_with_a_long_description(channel):
    with pytest.raises(ApplicationError) as err:
        services.stream_schedule(actor=channel.owner, channel=channel, title="x",
                                 scheduled_for=timezone.now() - timedelta(minutes=1), description="d" * 2001)
    assert set(err.value.extra["fields"]) == {"scheduled_for", "description"}


def test_going_live_starts_the_next_scheduled_stream_and_tells_watchers_and_the_relay(channel, published, commit):
    scheduled = services.stream_schedule(actor=channel.owner, channel=channel, title="Tonight",
                                         scheduled_for=timezone.now() + timedelta(hours=1))
    with mock.patch("streams.tasks.notify_followers_live.delay") as delay, commit():
        stream = services.stream_go_live(actor=channel.owner, channel=channel)
    assert stream.pk == scheduled.pk and stream.status == StreamStatus.LIVE and stream.started_at
    delay.assert_called_once_with(stream.pk)
    assert [e["op"] for e in published.to(stream_group(stream.pk))] == ["live"]
    assert [e["op"] for e in published.to(stream_relay_group(stream.pk))] == ["live"]


def test_going_live_twice_is_refused_with_the_live_stream(channel, commit):
    with mock.patch("streams.tasks.notify_followers_live.delay"), commit():
        first = services.stream_go_live(actor=channel.owner, channel=channel, title="One")
    with pytest.raises(ApplicationError) as err:
        services.stream_go_live(actor=channel.owner, channel=channel, title="Two")
    assert (err.value.code, err.value.status, err.value.extra) == ("stream_already_live", 409, {"stream_id": first.pk})
    assert Stream.objects.filter(status=StreamStatus.LIVE).count() == 1


def test_someone_else_cannot_take_the_channel_live(channel, bob):
    with pytest.raises(ApplicationError) as err:
        services.stream_go_live(actor=bob, channel=channel, title="Mine")
    assert err.value.code == "not_channel_owner"


def test_followers_who_want_it_are_notified_and_every_follower_hears_the_go_live(channel, bob, carol, published,
                                                                                 commit):
    services.channel_follow(actor=bob, channel=channel)
    services.channel_follow(actor=carol, channel=channel, notify=False)
    stream = live_stream(channel, title="Now")
    with commit():
        assert services.stream_followers_notify(stream_id=stream.pk) == 1
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.data["channel"]) == (bob, "channel_live", "alice")
    live = published.events("streams.channel", "live")
    assert len(live) == 1 and published.to(f"user.{carol.pk}") == live


def test_notifying_the_followers_of_a_thousand_costs_a_fixed_number_of_queries_per_follower(
        channel, django_assert_max_num_queries, commit):
    for user in UserFactory.create_batch(20):
        ChannelFollow.objects.create(user=user, channel=channel, notify=False)
    stream = live_stream(channel)
    with django_assert_max_num_queries(6), commit():
        assert services.stream_followers_notify(stream_id=stream.pk) == 0


def test_ending_a_stream_keeps_its_figures_and_closes_its_sockets(channel, published, commit):
    stream = live_stream(channel)
    for viewer in ("a", "b", "a"):
        audience.audience_enter(stream_id=stream.pk, viewer=viewer)
    services.stream_viewers_publish(stream_id=stream.pk)
    audience.audience_leave(stream_id=stream.pk)
    with commit():
        ended = services.stream_end(actor=channel.owner, stream=stream)
    assert (ended.status, ended.peak_viewers, ended.unique_viewers, ended.current_viewers) == ("ended", 3, 2, 0)
    assert ended.ended_at and ended.duration_seconds >= 0
    closing = [(e["op"], close) for groups, e, close in published if stream_group(stream.pk) in groups]
    assert closing[-1] == ("ended", {"disconnect": "gone", "reason": ""})
    with pytest.raises(ApplicationError) as err:
        services.stream_end(actor=channel.owner, stream=stream)
    assert err.value.code == "stream_ended"
    with pytest.raises(ApplicationError) as err:
        services.stream_go_live(actor=channel.owner, channel=channel, stream=stream)
    assert err.value.code == "stream_ended"


def test_viewer_counts_are_published_with_a_peak_that_only_grows(channel, published, commit):
    stream = live_stream(channel)
    for viewer in ("a", "b"):
        audience.audience_enter(stream_id=stream.pk, viewer=viewer)
    with commit():
        services.stream_viewers_publish(stream_id=stream.pk)
    audience.audience_leave(stream_id=stream.pk)
    with commit():
        services.stream_viewers_publish(stream_id=stream.pk)
    counts = [(e["current"], e["peak"]) for e in published.events("streams.viewers")]
    assert counts == [(2, 2), (1, 2)]
    assert audience.audience_tick_claim(stream_id=stream.pk) and not audience.audience_tick_claim(stream_id=stream.pk)


def test_an_ended_stream_cannot_be_edited(channel):
    stream = StreamFactory(channel=channel, status=StreamStatus.ENDED, started_at=timezone.now(),
                           ended_at=timezone.now())
    with pytest.raises(ApplicationError) as err:
        services.stream_update(actor=channel.owner, stream=stream, title="New")
    assert err.value.code == "stream_ended"


def _upload(data: bytes, name: str = "x.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_avatars_and_banners_are_proven_images_stored_as_webp_and_anything_else_is_refused(channel, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    png = io.BytesIO()
    Image.new("RGB", (900, 300), "teal").save(png, format="PNG")
    services.channel_image_set(actor=channel.owner, channel=channel, purpose="banner", upload=_upload(png.getvalue()))
    channel.refresh_from_db()
    with Image.open(channel.banner.path) as stored:
        assert (stored.format, stored.size) == ("WEBP", (1600, 400))
    for bad in (b"<html><script>alert(1)</script>", b"\x89PNG\r\n\x1a\n" + b"0" * 50):
        with pytest.raises(ApplicationError) as err:
            services.channel_image_set(actor=channel.owner, channel=channel, purpose="avatar", upload=_upload(bad))
        assert (err.value.code, err.value.extra["field"]) == ("image_invalid", "avatar")


def test_the_go_live_notification_reads_and_leads_to_the_channel(channel, bob, commit):
    services.channel_follow(actor=bob, channel=channel)
    stream = live_stream(channel, title="Endgame")
    with commit():
        services.stream_followers_notify(stream_id=stream.pk)
    note = Notification.objects.get()
    info = kind_info(note.kind)
    assert info.text.format(**note.data) == "Alice live is live: Endgame"
    assert info.url(note.kind, note.data) == "/c/alice/"
