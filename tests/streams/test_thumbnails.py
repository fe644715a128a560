"""A live stream's thumbnail from its video (streams.thumbnails): a key frame of the newest HLS segment, encoded
here by a real encoder (PyAV: libx264 into FFmpeg's hls muxer, fMP4 like the relay's), stored as WebP."""

import io
from pathlib import Path

import av
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from media_relay.hls_output import hls_file_store, hls_output_start, hls_session_record
from streams import services, thumbnails
from streams.models import Stream

from .factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db
SESSION = "20261207T010000Z-abc123"


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path / "media"),
                                                                      "base_url": "/media/"}}}
    return tmp_path


def encode_hls(directory: Path, colours: list[tuple[int, int, int]]) -> list[str]:
    """One 1 s segment per colour (320x180, 30 fps, an IDR each second), as the relay writes them."""
    directory.mkdir()
    container = av.open(str(directory / "out.m3u8"), "w", format="hls", options={
        "hls_time": "1", "hls_segment_type": "fmp4", "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(directory / "seg%05d.m4s"), "hls_list_size": "0",
    })
    video = container.add_stream("libx264", rate=30, options={"g": "30", "keyint_min": "30", "sc_threshold": "0",
                                                               "preset": "ultrafast"})
    video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
    for second, colour in enumerate(colours):
        picture = Image.new("RGB", (320, 180), colour)
        for i in range(30):
            frame = av.VideoFrame.from_image(picture)
            frame.pts = second * 30 + i
            for packet in video.encode(frame):
                container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    container.close()
    return sorted(p.name for p in directory.glob("seg*.m4s"))


@pytest.fixture
def live_hls(media, alice):
    """A live stream whose relay room has an HLS session in storage: a red second, then a blue one."""
    stream = live_stream(ChannelFactory(owner=alice, slug="alice"))
    room = f"stream-{stream.pk}"
    output = hls_output_start(relay_room=room)
    hls_session_record(output_id=output.pk, relay_room=room, session=SESSION, op="started")
    segments = encode_hls(media / "encoded", [(230, 20, 20), (20, 20, 230)])
    assert len(segments) >= 2
    for name in ["init.mp4", *segments]:
        hls_file_store(relay_room=room, session=SESSION, name=name, data=(media / "encoded" / name).read_bytes())
    playlist = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MAP:URI=\"init.mp4\"\n" + "".join(
        f"#EXTINF:1.0,\n{name}\n" for name in segments)
    hls_file_store(relay_room=room, session=SESSION, name="live.m3u8", data=playlist.encode())
    return stream


def stored_image(stream: Stream) -> Image.Image:
    with default_storage.open(stream.thumbnail.name) as f:
        return Image.open(io.BytesIO(f.read()))


def test_a_frame_of_the_newest_segment_becomes_the_thumbnail(live_hls):
    assert thumbnails.stream_thumbnail_from_video(stream_id=live_hls.pk)
    stream = Stream.objects.get(pk=live_hls.pk)
    image = stored_image(stream)
    assert (image.format, image.size, stream.thumbnail_from_video) == ("WEBP", (1280, 720), True)
    r, g, b = image.convert("RGB").getpixel((640, 360))
    assert b > 150 and r < 80  # the newest (blue) second, not the first (red) one


def test_refreshing_replaces_the_frame_and_deletes_the_old_file(live_hls, commit):
    assert thumbnails.live_thumbnails_refresh() == 1
    first = Stream.objects.get(pk=live_hls.pk).thumbnail.name
    with commit():
        assert thumbnails.stream_thumbnail_from_video(stream_id=live_hls.pk)  # again: idempotent, a fresh file
    second = Stream.objects.get(pk=live_hls.pk).thumbnail.name
    assert second != first and default_storage.exists(second) and not default_storage.exists(first)


def test_an_uploaded_thumbnail_is_never_replaced(live_hls):
    out = io.BytesIO()
    Image.new("RGB", (640, 360), (0, 200, 0)).save(out, format="PNG")
    services.stream_thumbnail_set(actor=live_hls.channel.owner, stream=live_hls,
                                  upload=SimpleUploadedFile("t.png", out.getvalue(), content_type="image/png"))
    uploaded = Stream.objects.get(pk=live_hls.pk).thumbnail.name
    assert not thumbnails.stream_thumbnail_from_video(stream_id=live_hls.pk)
    assert thumbnails.live_thumbnails_refresh() == 0
    assert Stream.objects.get(pk=live_hls.pk).thumbnail.name == uploaded


def test_nothing_to_take_before_the_first_segment_or_once_ended(media, alice):
    stream = live_stream(ChannelFactory(owner=alice, slug="alice"))
    assert not thumbnails.stream_thumbnail_from_video(stream_id=stream.pk)  # no HLS session yet
    services.stream_end(actor=alice, stream=stream)
    assert not thumbnails.stream_thumbnail_from_video(stream_id=stream.pk)
    assert not Stream.objects.get(pk=stream.pk).thumbnail
