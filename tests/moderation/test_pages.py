"""The report menu on the pages: one partial, for signed-in people other than the subject's owner."""

import pytest

from tests.rooms.factories import RoomFactory, add_member
from tests.streams.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def test_a_profile_offers_report_to_others_only(client, alice, bob):
    client.force_login(bob)
    page = client.get(f"/@{alice.handle}").content.decode()
    assert f'data-report-kind="user" data-report-id="{alice.pk}"' in page and 'id="report-dialog"' in page
    client.force_login(alice)
    assert "data-report-kind" not in client.get(f"/@{alice.handle}").content.decode()


def test_a_room_and_a_channel_flag_their_chat_messages(client, alice, bob):
    room = RoomFactory(created_by=alice)
    add_member(room, bob)
    client.force_login(bob)
    page = client.get(f"/r/{room.code}/").content.decode()
    assert 'data-report-kind="room"' in page and 'data-report-chat="room_message"' in page and "js/report.js" in page
    channel = ChannelFactory(owner=alice)
    page = client.get(f"/c/{channel.slug}/").content.decode()
    assert 'data-report-kind="channel"' in page and 'data-report-chat="stream_message"' in page


def test_anonymous_visitors_get_no_report_menu(client, alice):
    channel = ChannelFactory(owner=alice)
    assert "data-report-kind" not in client.get(f"/c/{channel.slug}/").content.decode()
