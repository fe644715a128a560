"""VOD playlists on S3 with signed URLs (querystring_auth, the production default): the recording, the
renditions job and the playlists against a real S3 API (moto's server on loopback), the media fetched by
URL as a player would. A relative segment name next to a signed playlist would be refused; ours are signed."""

import io
import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import av
import pytest

from tests.test_storage_s3 import BUCKET, s3_endpoint, s3_storage  # noqa: F401 - the fixtures
from vods import processing

pytestmark = pytest.mark.django_db


def media_of(client, playlist_url: str) -> bytes:
    text = client.get(playlist_url).content.decode()
    names = re.findall(r'URI="([^"]+)"', text) + [line for line in text.splitlines() if line and line[0] != "#"]
    assert names and all("X-Amz-Signature=" in name for name in names), text[:500]
    data = b""
    for url in names:
        with urllib.request.urlopen(url) as response:
            data += response.read()
    return data


def test_source_and_renditions_play_from_signed_s3_urls(s3_storage, recorded, client):  # noqa: F811
    vod = recorded(seconds=2)
    assert {o["Key"].rsplit("/", 1)[-1] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]} >= {
        "init.mp4", "seg00000.m4s", "index.m3u8"}

    source = media_of(client, f"/v/{vod.pk}/source.m3u8")  # playable the moment the stream ended
    with av.open(io.BytesIO(source)) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}

    assert processing.vod_process(vod_id=vod.pk) == processing.READY  # downloads from S3, uploads to it
    name = vod.renditions.get().name
    with av.open(io.BytesIO(media_of(client, f"/v/{vod.pk}/{name}.m3u8"))) as container:
        assert sum(1 for _ in container.decode(video=0)) > 20

    # the stored playlist's relative names, fetched next to its signed URL, are refused: why we rewrite
    stored = vod.renditions.get().directory + "/index.m3u8"
    from django.core.files.storage import default_storage
    relative = urlsplit(default_storage.url(stored))._replace(query="").geturl().replace("index.m3u8", "init.mp4")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(relative)
    assert refused.value.code == 403


def test_live_playlist_on_s3_names_signed_segments_a_player_can_fetch(s3_storage, channel, commit, client):  # noqa: F811
    """While live, the relay's sliding live.m3u8 (relative names) sits in the bucket; the watch page and the
    watch-party rooms get /s/<id>/live.m3u8, which serves it with every URI signed: the media plays by URL."""
    import tempfile

    from media_relay.hls_output import hls_file_store, hls_output_on, hls_session_record
    from streams.playback import stream_playback
    from streams.selectors import relay_room_name
    from streams.services import stream_end, stream_go_live

    from .recording import write_session

    with commit():
        stream = stream_go_live(actor=channel.owner, channel=channel, title="Live on S3")
    assert client.get(f"/s/{stream.pk}/live.m3u8").status_code == 404  # nothing written yet
    room = relay_room_name(stream.pk)
    hls_session_record(output_id=hls_output_on(relay_room=room).pk, relay_room=room, session="s1", op="started")
    with tempfile.TemporaryDirectory() as scratch:
        write_session(scratch, seconds=3)
        for name in ("init.mp4", "seg00000.m4s", "seg00001.m4s", "seg00002.m4s"):
            with open(f"{scratch}/{name}", "rb") as f:
                hls_file_store(relay_room=room, session="s1", name=name, data=f.read())
        with open(f"{scratch}/index.m3u8") as f:  # the sliding playlist: no ENDLIST while live
            live = f.read().replace("#EXT-X-ENDLIST\n", "")
        hls_file_store(relay_room=room, session="s1", name="live.m3u8", data=live.encode())
    assert "seg00000.m4s\n" in live  # the stored one is relative: a player could not fetch it on S3

    url = stream_playback(stream=stream)["hls_url"]
    assert url == f"/s/{stream.pk}/live.m3u8"  # not the bucket's signed playlist URL
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Cache-Control"] == "no-store" and "#EXT-X-ENDLIST" not in response.content.decode()
    with av.open(io.BytesIO(media_of(client, url))) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        assert sum(1 for _ in container.decode(video=0)) > 30  # 3 s at 15 fps, from the bucket

    with commit():
        stream_end(actor=channel.owner, stream=stream)
    assert client.get(url).status_code == 404  # the ended stream's live playlist is gone at once (its VOD plays)


def test_a_clip_and_a_vod_in_a_room_play_from_signed_s3_urls(s3_storage, recorded, client):  # noqa: F811
    """A clip's stored playlist names its segments relatively, like the relay's: on S3 the clip page, the API and
    watch-party rooms get /clip/<slug>/index.m3u8 (every URI signed), and a VOD queued in a room its master."""
    from vods.clips import services
    from vods.clips.sources import clip_playlist_url, vod_playlist_url, vod_session

    vod = recorded(seconds=8)
    clip = services.clip_cut_run(clip_id=services.clip_create_from_vod(
        actor=vod.channel.owner, vod=vod, start=1, end=7, title="On S3").pk)
    url = clip_playlist_url(clip.slug)
    assert url == f"/clip/{clip.slug}/index.m3u8"
    with av.open(io.BytesIO(media_of(client, url))) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        assert sum(1 for _ in container.decode(video=0)) > 30  # about 6 s at 15 fps, from the bucket
    assert client.get("/clip/no-such-clip/index.m3u8").status_code == 404

    assert vod_playlist_url(vod, vod_session(vod=vod)) == f"/v/{vod.pk}/master.m3u8"
