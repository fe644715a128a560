"""streams.live_chat: the per-message path's queries, moderators, the alerts hook, and a ban reaching the
relay (a banned user is in the stream's rights and the relay is asked to re-read them)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import ChatRestriction
from chat.selectors import chat_snapshot
from config.errors import ApplicationError
from streams import live_chat
from streams.chat_policy import STREAM_CHAT
from streams.events import channel_chat_group, stream_relay_group
from streams.models import ChannelModerator
from streams.selectors import stream_media_rights

from .factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(alice):
    return ChannelFactory(owner=alice, slug="alice")


@pytest.fixture
def stream(channel):
    return live_stream(channel)


def test_a_viewers_message_costs_a_fixed_number_of_queries(channel, stream, bob, django_assert_num_queries):
    """7: the author locked with their moderator flag, the live stream, the modes, the restriction, the rate
    window, the moderator badge, the insert (+ the test's savepoint and its release); the same for the 1st
    message as for the 20th."""
    live_chat.chat_send(actor=bob, channel=channel, body="first")
    with django_assert_num_queries(7 + 1 + 2):  # + the channel subscription (monetization's reader)
        live_chat.chat_send(actor=bob, channel=channel, body="second")


def test_slow_mode_adds_one_query_and_the_owner_costs_fewer(channel, stream, alice, bob, django_assert_num_queries):
    live_chat.chat_modes(actor=alice, channel=channel, slow_mode_seconds=1)
    with django_assert_num_queries(8 + 1 + 2):  # + the channel subscription
        live_chat.chat_send(actor=bob, channel=channel, body="slow")
    with django_assert_num_queries(5 + 2):  # no restriction, no slow mode, no moderator lookup
        live_chat.chat_send(actor=alice, channel=channel, body="host")


def test_the_hello_snapshot_has_a_fixed_cost(channel, stream, bob, django_assert_num_queries):
    for i in range(5):
        live_chat.chat_send(actor=bob, channel=channel, body=f"m{i}")
    with django_assert_num_queries(6):  # messages, settings, restriction, moderator (flag, then badge), subscription
        snapshot = chat_snapshot(policy=STREAM_CHAT, context=channel, user=bob)
    assert [m["body"] for m in snapshot["messages"]] == [f"m{i}" for i in range(5)]


def test_no_chat_when_the_channel_is_not_live(channel, bob):
    with pytest.raises(ApplicationError) as refused:
        live_chat.chat_send(actor=bob, channel=channel, body="anyone?")
    assert refused.value.code == "stream_chat_not_live"


def test_the_owner_appoints_and_removes_moderators(channel, alice, bob, carol):
    row = live_chat.channel_moderator_add(actor=alice, channel=channel, handle="@Bob")
    assert live_chat.channel_moderator_add(actor=alice, channel=channel, handle="bob") == row  # twice: one row
    assert STREAM_CHAT.is_moderator(channel, bob) and STREAM_CHAT.badges(channel, bob) == ["moderator"]
    for actor, handle, code in ((bob, "carol", "not_channel_owner"), (alice, "alice", "channel_moderator_invalid"),
                                (alice, "nobody", "channel_moderator_invalid")):
        with pytest.raises(ApplicationError) as refused:
            live_chat.channel_moderator_add(actor=actor, channel=channel, handle=handle)
        assert refused.value.code == code
    live_chat.channel_moderator_remove(actor=alice, channel=channel, user_id=bob.pk)
    assert not ChannelModerator.objects.exists() and not STREAM_CHAT.is_moderator(channel, bob)


def test_a_vip_wears_the_badge_without_the_powers(channel, stream, alice, bob, carol):
    live_chat.channel_moderator_add(actor=alice, channel=channel, handle="bob", role="vip")
    assert STREAM_CHAT.badges(channel, bob) == ["vip"] and not STREAM_CHAT.is_moderator(channel, bob)
    assert live_chat.chat_send(actor=bob, channel=channel, body="hi").badges == ["vip"]
    with pytest.raises(ApplicationError) as refused:
        live_chat.chat_timeout(actor=bob, channel=channel, user_id=carol.pk, seconds=60)
    assert refused.value.code == "chat_not_a_moderator"
    live_chat.channel_moderator_add(actor=alice, channel=channel, handle="bob")  # promoted
    assert STREAM_CHAT.is_moderator(channel, bob) and ChannelModerator.objects.get().role == "moderator"


def test_a_ban_puts_the_user_in_the_relay_rights_and_asks_the_relay_to_re_read(channel, stream, alice, bob, carol,
                                                                               published, commit):
    ChatRestriction.objects.create(context_kind="channel", context_id=channel.pk, user=carol, kind="ban",
                                   expires_at=timezone.now() - timedelta(seconds=1))  # ran out
    with commit():
        live_chat.chat_ban(actor=alice, channel=channel, user_id=bob.pk, seconds=3600)
    assert published.to(stream_relay_group(stream.pk)) == [{"type": "media_relay.rights", "op": "changed"}]
    assert published.to(channel_chat_group(channel.pk))[0]["op"] == "banned"
    assert stream_media_rights(stream_id=stream.pk).banned == {str(bob.pk)}
    with commit():
        live_chat.chat_timeout(actor=alice, channel=channel, user_id=carol.pk, seconds=60)
        live_chat.chat_unban(actor=alice, channel=channel, user_id=bob.pk)
    assert stream_media_rights(stream_id=stream.pk).banned == set()
    assert len(published.to(stream_relay_group(stream.pk))) == 2  # the unban; a timeout leaves publishing alone


def test_the_alerts_hook_reaches_the_channels_chat_group(channel, stream, bob, published, commit):
    with commit():
        alert = live_chat.stream_alert_publish(stream=stream, kind="donation", actor=bob, amount_minor=500,
                                               currency="eur", message=" Great stream! ")
    assert alert["currency"] == "EUR" and alert["message"] == "Great stream!"
    assert published.to(channel_chat_group(channel.pk)) == [{"type": "streams.alert", "op": "shown", "alert": alert}]
    for bad in ({"kind": "raid"}, {"kind": "donation", "amount_minor": -1}, {"kind": "subscription", "currency": "EURO"}):
        with pytest.raises(ApplicationError) as refused:
            live_chat.stream_alert_publish(stream=stream, actor=None, **bad)
        assert refused.value.code == "stream_alert_invalid"
