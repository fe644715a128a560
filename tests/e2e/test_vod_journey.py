"""A live stream ends and its VOD plays in Chromium, at once from the recording, then with its renditions.

The channel goes live (recorded: STREAMS_RECORD), a WHIP publisher (aiortc: a tone and an H.264 test
pattern) publishes into its relay room and the relay writes the HLS session into the storage daphne
serves. The host ends the stream; the VOD page (/v/<id>/) plays the source through our master playlist
(hls.js); the renditions job (run here, as the Celery worker would) adds a rendition, and the page's
quality picker offers it.
"""

import pytest
from playwright.sync_api import expect

from media_relay.hls_output import hls_session_live
from streams.services import stream_end, stream_go_live
from streams.stream_keys import channel_stream_key_create
from tests.accounts.factories import UserFactory
from tests.e2e.test_hls_player import WhipPublisher, off_the_loop, wait_for, whip_base
from tests.streams.factories import ChannelFactory
from vods import processing
from vods.models import Vod, VodStatus

pytestmark = pytest.mark.e2e

PLAYED_A_SECOND = "() => document.querySelector('video').currentTime > 1"


@pytest.mark.django_db(transaction=True)
def test_a_stream_ends_and_its_vod_plays_then_gains_a_rendition(relay, asgi_server, new_page, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # where the relay writes and daphne serves
    hana = UserFactory(handle="hana")
    channel = ChannelFactory(owner=hana, slug="hana")
    _, key = channel_stream_key_create(actor=hana, channel=channel)
    stream = off_the_loop(stream_go_live, actor=hana, channel=channel, title="Speedrun")
    publisher = WhipPublisher(f"{whip_base(relay)}/whip/stream-{stream.pk}", key)
    publisher.start()
    try:
        session = wait_for(lambda: hls_session_live(relay_room=f"stream-{stream.pk}"))
        index = tmp_path / "media" / session.directory / "live.m3u8"
        wait_for(lambda: index.exists() and index.read_text().count(".m4s") >= 4)
        off_the_loop(stream_end, actor=hana, stream=stream)
    finally:
        publisher.stop()
    vod = Vod.objects.get(stream=stream)

    page = new_page("viewer")
    page.goto(f"{asgi_server.url}/v/{vod.pk}/")
    expect(page.locator("[data-vod-title]")).to_have_text("Speedrun")
    video = page.locator("video")
    video.evaluate("v => { v.muted = true; v.play(); }")  # play() settles only once it plays
    page.wait_for_function(PLAYED_A_SECOND, timeout=30_000)  # the source, right after the stream ended
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [160, 120]

    wait_for(lambda: off_the_loop(processing.vod_process, vod_id=vod.pk) != processing.WAITING, timeout=30)
    assert Vod.objects.get(pk=vod.pk).status == VodStatus.READY
    page.reload()
    picker = page.locator("[data-quality]")
    expect(picker).to_be_visible()
    assert picker.locator("option").all_text_contents() == ["Auto", "source", "120p"]
    picker.select_option(label="120p")
    video.evaluate("v => { v.muted = true; v.currentTime = 0; v.play(); }")
    page.wait_for_function(PLAYED_A_SECOND, timeout=30_000)
