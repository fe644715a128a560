"""A stream as a relay room of its own kind (media_relay.relay_kinds): its rights in the relay, WHIP with a
channel's key (going live, a revoked key mid-stream, a wrong key), the channel's stable WHIP URL, and the
relay token anonymous viewers get. The relay runs in this process with live rights from the database
(media_relay.platform.RoomLink), following the stream's relay group on the configured channel layer."""

from __future__ import annotations

from unittest import mock

import aiohttp
import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.test import Client

from config.errors import ApplicationError
from media_relay.platform import RoomLink, platform_stream_key_peer
from media_relay.relay_kinds import RelayRoomKind, relay_kind_register, relay_room_parse
from media_relay.sfu import hooks
from media_relay.sfu.signalling import PeerInfo
from media_relay.sfu.tokens import verify_token
from media_relay.sfu.whip import WhipServer
from media_relay.stream_keys import stream_key_authenticate
from streams import services
from streams.models import Stream, StreamStatus
from streams.selectors import GUEST_PERMS, HOST_PERMS, VIEWER_PERMS, StreamMediaRights, stream_media_rights
from streams.stream_keys import channel_stream_key_create, channel_stream_key_revoke
from tests.media_relay.conftest import SECRET, eventually, relay_harness  # noqa: F401  (the fixture)
from tests.media_relay.test_whip import obs_stand_in, post_offer

from .factories import ChannelFactory, StreamFactory, live_stream

call = database_sync_to_async


@pytest.fixture(autouse=True)
def relay_setup(settings):
    settings.MEDIA_RELAY_TOKEN_SECRET = SECRET.decode()
    undo = hooks.restrict_host_addresses(["127.0.0.1"])
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield
    undo()


# -- the rights, without a relay ----------------------------------------------------------------------
def test_while_live_the_owner_publishes_everyone_else_watches_and_a_keyless_whip_peer_does_nothing():
    rights = StreamMediaRights(stream_id=1, is_open=True, owner="7", owner_session="s1", has_live_key=False)
    assert rights.perms_for("7", session="s1") == HOST_PERMS
    assert rights.perms_for("7", session="other") == frozenset()  # signed out, or in elsewhere
    assert rights.perms_for("7~whip") == frozenset()  # no live key
    assert rights.perms_for("8") == rights.perms_for("v-1f2e") == VIEWER_PERMS
    assert rights.perms_for("8~whip") == frozenset()
    assert rights.knows("v-anyone", "") and not rights.knows("7", "newer")
    ended = StreamMediaRights(stream_id=1, is_open=False)
    assert ended.perms_for("7") == ended.perms_for("v-1") == frozenset()


def test_a_guest_banned_from_the_chat_only_watches():
    rights = StreamMediaRights(stream_id=1, is_open=True, owner="1", guests={"5": GUEST_PERMS, "6": GUEST_PERMS},
                               banned=frozenset({"6"}))
    assert (rights.perms_for("5"), rights.perms_for("6")) == (GUEST_PERMS, VIEWER_PERMS)


@pytest.mark.django_db
def test_the_rights_come_from_the_stream_its_chat_bans_and_its_stage_in_three_queries(django_assert_num_queries):
    channel = ChannelFactory()
    stream = live_stream(channel)
    channel_stream_key_create(actor=channel.owner, channel=channel)
    with django_assert_num_queries(3):  # the stream, key and owner's session; its chat bans; its stage guests
        rights = stream_media_rights(stream_id=stream.pk)
    assert (rights.is_open, rights.owner, rights.has_live_key) == (True, str(channel.owner_id), True)
    scheduled = StreamFactory(channel=channel)
    assert not stream_media_rights(stream_id=scheduled.pk).is_open
    assert not stream_media_rights(stream_id=10**9).is_open


def test_relay_room_names_of_both_kinds_and_no_other():
    assert relay_room_parse("room-42")[1] == 42 and relay_room_parse("room-42")[0].prefix == "room-"
    assert relay_room_parse("stream-7")[1] == 7 and relay_room_parse("stream-7")[0].prefix == "stream-"
    for name in ("stream-", "stream-07", "stream-x", "channel-1", "7", "stream--1"):
        assert relay_room_parse(name) is None
    kind = relay_room_parse("stream-7")[0]
    with pytest.raises(ValueError, match="registered twice"):
        relay_kind_register(RelayRoomKind(prefix="stream-", rights=kind.rights, groups=kind.groups))


# -- the relay token --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_anonymous_viewer_gets_a_watch_token_with_a_random_id_the_owner_a_publishing_one(settings, alice):
    channel = ChannelFactory(owner=alice)
    stream = live_stream(channel)
    api = Client()
    first = api.post(f"/api/v1/streams/{stream.pk}/media-token/").json()
    second = api.post(f"/api/v1/streams/{stream.pk}/media-token/").json()
    claims = [verify_token(g["token"], secret=SECRET) for g in (first, second)]
    assert {c.room for c in claims} == {f"stream-{stream.pk}"} and claims[0].peer != claims[1].peer
    assert all(c.peer.startswith("v-") and c.perms == VIEWER_PERMS for c in claims)
    api.force_login(alice)
    owner = verify_token(api.post(f"/api/v1/streams/{stream.pk}/media-token/").json()["token"], secret=SECRET)
    assert (owner.peer, owner.perms, bool(owner.session)) == (str(alice.pk), HOST_PERMS, True)

    services.stream_end(actor=alice, stream=stream)
    gone = Client().post(f"/api/v1/streams/{stream.pk}/media-token/")
    assert (gone.status_code, gone.json()["code"]) == (410, "stream_ended")
    scheduled = StreamFactory(channel=channel)
    early = Client().post(f"/api/v1/streams/{scheduled.pk}/media-token/")
    assert (early.status_code, early.json()["code"]) == (409, "stream_not_live")


# -- WHIP with a channel's key, against a relay in this process ---------------------------------------
@pytest_asyncio.fixture
async def stream_whip(relay_harness):  # noqa: F811
    layer = get_channel_layer()
    link = RoomLink(relay_harness.relay, cache_seconds=0,
                    channel_layer=None if isinstance(layer, InMemoryChannelLayer) else layer)
    server = WhipServer(relay_harness.relay, secret=SECRET, host="127.0.0.1", stream_key_peer=platform_stream_key_peer)
    server.url = f"http://127.0.0.1:{await server.start()}"
    server.link = link
    yield server
    await link.close()
    await server.close()


async def whip(server, room: str, key: str | None, *, pc=None):
    pc = pc or obs_stand_in()
    try:
        return await post_offer(f"{server.url}/whip/{room}", pc, key)
    finally:
        await pc.close()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_publishing_with_the_channel_key_goes_live_and_a_revoked_key_drops_the_publisher(stream_whip):
    channel = await call(ChannelFactory)()
    _, key = await call(channel_stream_key_create)(actor=channel.owner, channel=channel)

    peer = await platform_stream_key_peer(key)  # what the WHIP server (and RTMP ingest) ask: the key goes live
    stream = await call(Stream.objects.get)(channel=channel)
    assert (stream.status, peer.room, peer.peer_id) == ("live", f"stream-{stream.pk}", f"{channel.owner_id}~whip")
    holder = await call(stream_key_authenticate)(key=key)
    assert (holder.user.pk, holder.relay_room) == (channel.owner_id, peer.room)  # again: the same live stream

    obs = obs_stand_in()
    response = await whip(stream_whip, peer.room, key, pc=obs)
    assert response.status == 201
    router = stream_whip.relay.rooms[peer.room]
    publisher = router.participants[peer.peer_id]
    assert sorted(p.kind for p in publisher.producers.values()) == ["audio", "video"]

    link = stream_whip.link
    assert await link.authorize(PeerInfo("v-0a1b", peer.room), "subscribe")  # any viewer watches
    assert not await link.authorize(PeerInfo("v-0a1b", peer.room), "publish_video")

    await call(channel_stream_key_revoke)(actor=channel.owner, channel=channel)
    if link.layer is None:  # the embedded default: no events between processes, the re-check does it
        await link.reconcile(peer.room)
    await eventually(lambda: peer.peer_id not in router.participants)
    response = await whip(stream_whip, peer.room, key)
    assert (response.status, (await response.json())["extra"]) == (401, {"reason": "stream_key_revoked"})
    assert (await call(Stream.objects.get)(pk=stream.pk)).status == StreamStatus.LIVE  # the owner ends it


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_ended_stream_closes_its_relay_room_and_nobody_joins_it(stream_whip):
    channel = await call(ChannelFactory)()
    _, key = await call(channel_stream_key_create)(actor=channel.owner, channel=channel)
    peer = await platform_stream_key_peer(key)
    assert (await whip(stream_whip, peer.room, key)).status == 201
    stream = await call(Stream.objects.get)(channel=channel)

    await call(services.stream_end)(actor=channel.owner, stream=stream)
    if stream_whip.link.layer is None:
        await stream_whip.link.reconcile(peer.room)
    await eventually(lambda: peer.room not in stream_whip.relay.rooms)
    assert not await stream_whip.link.authorize(PeerInfo("v-late", peer.room), "join")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_wrong_keys_and_malformed_sdp_are_refused(stream_whip):
    channel = await call(ChannelFactory)()
    _, key = await call(channel_stream_key_create)(actor=channel.owner, channel=channel)
    for credential in (None, "wtck_forged", "wtsk_forged", "nonsense"):
        response = await whip(stream_whip, "stream-1", credential)
        assert (response.status, (await response.json())["code"]) == (401, "unauthorized")
    assert not await call(Stream.objects.filter(channel=channel).exists)()  # a wrong key takes nobody live

    peer = await platform_stream_key_peer(key)
    async with aiohttp.ClientSession() as http, http.post(
        f"{stream_whip.url}/whip/{peer.room}", data="v=0\r\ngarbage",
        headers={"Content-Type": "application/sdp", "Authorization": f"Bearer {key}"},
    ) as bad:
        assert (bad.status, (await bad.json())["code"]) == (400, "invalid_sdp")
    other = await call(ChannelFactory)()
    other_stream = await call(live_stream)(other)
    response = await whip(stream_whip, f"stream-{other_stream.pk}", key)
    assert (response.status, (await response.json())["code"]) == (403, "room_mismatch")


# -- the channel's stable WHIP URL (Django) -------------------------------------------------------
@pytest.mark.django_db
def test_the_channel_whip_url_takes_the_channel_live_and_redirects_to_the_worker(settings):
    settings.MEDIA_RELAY_HTTP_URL = "https://relay-a.example/"
    settings.REDIS_URL = ""  # no registry: the configured worker
    channel = ChannelFactory(slug="alice")
    other = ChannelFactory(slug="bob")
    _, key = channel_stream_key_create(actor=channel.owner, channel=channel)
    _, other_key = channel_stream_key_create(actor=other.owner, channel=other)
    url = "/whip/c/alice"
    sdp = {"content_type": "application/sdp", "data": "v=0"}

    assert Client().options(url).status_code == 204
    for credential in ("", "wtck_forged", other_key):
        refused = Client().post(url, HTTP_AUTHORIZATION=f"Bearer {credential}", **sdp)
        assert refused.status_code == 401 and refused.json()["code"] == "stream_key_invalid"
    assert not Stream.objects.exists()

    response = Client().post(url, HTTP_AUTHORIZATION=f"Bearer {key}", **sdp)
    stream = Stream.objects.get(channel=channel, status=StreamStatus.LIVE)
    assert (response.status_code, response["Location"]) == (307, f"https://relay-a.example/whip/stream-{stream.pk}")
    channel_stream_key_revoke(actor=channel.owner, channel=channel)
    revoked = Client().post(url, HTTP_AUTHORIZATION=f"Bearer {key}", **sdp)
    assert (revoked.status_code, revoked.json()["code"]) == (401, "stream_key_revoked")
    assert Client().post("/whip/c/nobody", HTTP_AUTHORIZATION=f"Bearer {key}", **sdp).status_code == 404


@pytest.mark.django_db
def test_key_services_refuse_others_and_a_missing_key(bob):
    channel = ChannelFactory()
    with pytest.raises(ApplicationError) as err:
        channel_stream_key_create(actor=bob, channel=channel)
    assert err.value.code == "not_channel_owner"
    with pytest.raises(ApplicationError) as err:
        channel_stream_key_revoke(actor=channel.owner, channel=channel)
    assert err.value.code == "channel_stream_key_not_found"
