"""HLS output on the platform (media_relay.hls_output): the switch other apps flip, its event to the relay
workers, the storage writer and the sessions the relay reports.

The relay following the switch is in test_platform.py; the files themselves in test_hls_egress.py.
"""

import pytest

from media_relay.hls_output import (
    hls_file_store,
    hls_output_start,
    hls_output_stop,
    hls_playlist_url,
    hls_session_live,
    hls_session_record,
)
from media_relay.models import HlsOutput, HlsSession
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.races import outcome, run_together

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("platform_isolation")]


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path),
                                                                      "base_url": "/media/"}}}
    return tmp_path


def test_turning_hls_on_and_off_tells_the_relay_workers_of_that_relay_room(published, commit):
    with commit():
        output = hls_output_start(relay_room="stream-7")
    assert published.to("media_relay.hls.stream-7") == [
        {"type": "media_relay.hls", "op": "on", "relay_room": "stream-7"}]
    with commit():
        assert hls_output_start(relay_room="stream-7") == output  # already on: the same output, no event
    assert len(published) == 1

    with commit():
        stopped = hls_output_stop(relay_room="stream-7")
    assert stopped == output and stopped.stopped_at is not None
    assert published.to("media_relay.hls.stream-7")[-1] == {"type": "media_relay.hls", "op": "off",
                                                            "relay_room": "stream-7"}
    assert hls_output_stop(relay_room="stream-7") is None  # already off
    assert hls_output_start(relay_room="stream-7") != output  # a new output for the next live


@requires_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_starts_at_once_turn_on_one_output(attempt):
    results = run_together([lambda: hls_output_start(relay_room="stream-9")] * 2)
    assert [outcome(r) for r in results] == ["ok", "ok"]
    assert results[0] == results[1]
    assert HlsOutput.objects.filter(relay_room="stream-9").count() == 1


def test_files_go_under_live_room_session_and_playlists_are_replaced_whole(media):
    assert hls_file_store(relay_room="stream-7", session="s1", name="seg00000.m4s", data=b"seg") == \
        "live/stream-7/s1/seg00000.m4s"
    hls_file_store(relay_room="stream-7", session="s1", name="live.m3u8", data=b"#EXTM3U\nold\n")
    hls_file_store(relay_room="stream-7", session="s1", name="live.m3u8", data=b"#EXTM3U\nnew\n")
    assert (media / "live/stream-7/s1/live.m3u8").read_bytes() == b"#EXTM3U\nnew\n"  # the same name, not live_x.m3u8
    assert sorted(p.name for p in (media / "live/stream-7/s1").iterdir()) == ["live.m3u8", "seg00000.m4s"]


def test_sessions_the_relay_reports_are_kept_and_the_live_one_is_found(media, django_assert_num_queries):
    output = hls_output_start(relay_room="stream-7")
    first = hls_session_record(output_id=output.pk, relay_room="stream-7", session="s1", op="started")
    assert first.directory == "live/stream-7/s1"
    assert hls_session_record(output_id=output.pk, relay_room="stream-7", session="s1", op="started") == first
    with django_assert_num_queries(1):
        assert hls_session_live(relay_room="stream-7") == first
    assert hls_playlist_url(first) == "/media/live/stream-7/s1/live.m3u8"
    assert hls_playlist_url(first, live=False) == "/media/live/stream-7/s1/index.m3u8"

    ended = hls_session_record(output_id=output.pk, relay_room="stream-7", session="s1", op="ended")
    assert ended.ended_at is not None
    second = hls_session_record(output_id=output.pk, relay_room="stream-7", session="s2", op="started")
    assert hls_session_live(relay_room="stream-7") == second  # the publisher came back: a new session
    hls_output_stop(relay_room="stream-7")
    assert hls_session_live(relay_room="stream-7") is None
    assert hls_session_record(output_id=10**9, relay_room="stream-7", session="s3", op="started") is None
    assert HlsSession.objects.count() == 2


def test_staff_see_outputs_and_their_sessions_read_only_in_the_admin(client):
    output = hls_output_start(relay_room="stream-7")
    hls_session_record(output_id=output.pk, relay_room="stream-7", session="20261207T001500Z-3fa2c1", op="started")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert "stream-7" in client.get("/admin/media_relay/hlsoutput/").content.decode()
    page = client.get(f"/admin/media_relay/hlsoutput/{output.pk}/change/").content.decode()
    assert "live/stream-7/20261207T001500Z-3fa2c1" in page
    assert client.get("/admin/media_relay/hlsoutput/add/").status_code == 403
