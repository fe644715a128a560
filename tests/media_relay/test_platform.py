"""media_relay.platform.RoomLink: rights from the live room, room events applied to the relay at once.

A relay in the test process (tests/media_relay/conftest.py) with real rooms services publishing after
commit to the channel layer: the in-memory layer (in-process) and the Redis pub/sub layer (when REDIS_URL
is set, as in CI). The embedded mode (no events: re-check from the database) is tested separately.
Room ids are random and large: Redis pub/sub channel names are shared by every database number.
"""

import asyncio

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings as django_settings

from accounts.services.sessions import session_end, session_start
from media_relay import platform
from media_relay.hls_output import hls_output_start, hls_output_stop
from media_relay.models import HlsSession, RecordingPart
from media_relay.platform import RoomLink, hls_session_event, hls_write, load_rights, recording_hand_off
from media_relay.recordings import recording_start, recording_stop
from media_relay.sfu.peers import whip_peer_id
from media_relay.sfu.signalling import PeerInfo
from media_relay.sfu.tokens import session_fingerprint
from media_relay.stream_keys import stream_key_create, stream_key_revoke
from rooms.models import RoomRole
from rooms.services.membership import member_kick, member_mute, member_set_role, room_close, room_leave, room_update
from tests.rooms.factories import RoomFactory, add_member

from .conftest import ALL_PERMS, SECRET, eventually, unique_room_id
from .peers import ToneTrack

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("platform_isolation")]

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def call(fn, /, **kwargs):
    return database_sync_to_async(fn)(**kwargs)


@pytest.fixture(params=["in-memory", "redis"])
def layer(request, settings):
    if request.param == "redis":
        if not django_settings.REDIS_URL:
            pytest.skip("REDIS_URL is not set (CI sets it)")
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "config.fanout.FanoutChannelLayer",
                                               "CONFIG": {"hosts": [django_settings.REDIS_URL]}}}
    else:
        settings.CHANNEL_LAYERS = IN_MEMORY
    return get_channel_layer()


@pytest.fixture
def room(alice, bob):
    """A voice room (microphone on) led by alice; bob is a member."""
    room = RoomFactory(id=unique_room_id(), created_by=alice, kind="voice")
    add_member(room, bob)
    return room


def name(room) -> str:
    return f"room-{room.pk}"


async def enter(relay_harness, room, user, *, perms=(), session_key: str = ""):
    """A peer whose token lists `perms` (none by default: the room decides), asked with the Django session
    `session_key` if given; once in, the room's events reach the relay (a change made before that shows
    up as `removed`, from the first re-read)."""
    session = session_fingerprint(session_key, secret=SECRET) if session_key else ""
    peer = await relay_harness.client(str(user.pk), room=name(room), perms=list(perms), session=session)
    link = getattr(relay_harness, "following", None)
    if link is not None:
        await eventually(lambda: name(room) in link.subscribed)
    return peer


def audio_muted(relay_harness, room, user) -> bool:
    return "audio" in relay_harness.router(name(room)).participants[str(user.pk)].moderator_muted


@pytest_asyncio.fixture
async def following(relay_harness, layer):
    """A link following room events; its cache outlives the test, so only events refresh it."""
    link = relay_harness.following = RoomLink(relay_harness.relay, channel_layer=layer, cache_seconds=600)
    yield link
    await link.close()


@pytest.mark.asyncio
async def test_rights_come_from_the_live_room_not_the_token(relay_harness, following, room, bob, carol):
    assert (await enter(relay_harness, room, bob)).peer_id == str(bob.pk)  # a token with no perms: bob is a member

    outsider = await relay_harness.client(str(carol.pk), room=name(room), perms=ALL_PERMS, join=False)
    reply = await outsider.join(name(room))
    assert (reply["type"], reply["code"], reply["extra"]) == ("error", "forbidden", {"action": "join"})


@pytest.mark.asyncio
async def test_a_mute_applies_at_once_and_an_unmute_undoes_it(relay_harness, following, room, alice, bob):
    await enter(relay_harness, room, alice)
    await enter(relay_harness, room, bob)

    await call(member_mute, actor=alice, room=room, target=bob, is_muted=True)
    await eventually(lambda: audio_muted(relay_harness, room, bob))
    assert not await following.authorize(PeerInfo(str(bob.pk), name(room)), "publish_audio")

    await call(member_mute, actor=alice, room=room, target=bob, is_muted=False)
    await eventually(lambda: not audio_muted(relay_harness, room, bob))
    assert await following.authorize(PeerInfo(str(bob.pk), name(room)), "publish_audio")
    assert not audio_muted(relay_harness, room, alice)


@pytest.mark.asyncio
async def test_microphone_off_mutes_everyone_but_the_leader_and_on_allows_again(
    relay_harness, following, room, alice, bob, carol
):
    await call(add_member, room=room, user=carol, role=RoomRole.MODERATOR)
    for user in (alice, bob, carol):
        await enter(relay_harness, room, user)

    await call(room_update, actor=alice, room=room, is_mic_enabled=False)
    await eventually(lambda: audio_muted(relay_harness, room, bob) and audio_muted(relay_harness, room, carol))
    assert not audio_muted(relay_harness, room, alice)

    await call(room_update, actor=alice, room=room, is_mic_enabled=True)
    await eventually(lambda: not audio_muted(relay_harness, room, bob) and not audio_muted(relay_harness, room, carol))


@pytest.mark.asyncio
async def test_a_new_moderator_may_kick_once_the_event_arrives(relay_harness, following, room, alice, bob):
    bob_peer = PeerInfo(str(bob.pk), name(room))
    await enter(relay_harness, room, bob)
    assert not await following.authorize(bob_peer, "kick")  # now cached for the rest of the test

    await call(member_set_role, actor=alice, room=room, target=bob, role=RoomRole.MODERATOR)
    for _ in range(250):
        if await following.authorize(bob_peer, "kick"):
            break
        await asyncio.sleep(0.02)
    assert await following.authorize(bob_peer, "kick")


@pytest.mark.asyncio
@pytest.mark.parametrize(("leave", "reason"), [("kicked", "kicked"), ("left", "left")])
async def test_a_removed_member_is_kicked_from_the_relay(relay_harness, following, room, alice, bob, leave, reason):
    alice_peer = await enter(relay_harness, room, alice)
    bob_peer = await enter(relay_harness, room, bob)

    if leave == "kicked":
        await call(member_kick, actor=alice, room=room, target=bob)
    else:
        await call(room_leave, user=bob, room=room)

    kicked = await bob_peer.wait_for(lambda m: m["type"] == "kicked")
    assert kicked["reason"] == reason
    await eventually(lambda: bob_peer.closed_code == 4403)
    assert str(bob.pk) not in relay_harness.router(name(room)).participants
    assert alice_peer.closed_code is None
    await alice_peer.wait_for(lambda m: m.get("type") == "media_relay.peer" and m["op"] == "left")


@pytest.mark.asyncio
@pytest.mark.parametrize("end", [stream_key_revoke, stream_key_create])  # revoked, or rotated to a new key
async def test_a_live_whip_stream_ends_when_its_key_is_revoked_or_rotated(relay_harness, following, room, alice, end):
    await call(stream_key_create, actor=alice, room=room)
    browser = await enter(relay_harness, room, alice)
    obs = await relay_harness.client(whip_peer_id(alice.pk), room=name(room))  # what WhipServer joins as

    await call(end, actor=alice, room=room)

    kicked = await obs.wait_for(lambda m: m["type"] == "kicked")
    assert kicked["reason"] == ("stream_key_revoked" if end is stream_key_revoke else "stream_key_rotated")
    await eventually(lambda: whip_peer_id(alice.pk) not in relay_harness.router(name(room)).participants)
    assert browser.closed_code is None  # the leader's own voice stays


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["signed_in_elsewhere", "signed_out"])
async def test_a_peer_whose_session_ends_is_dropped_others_stay(relay_harness, following, room, alice, bob, how):
    await call(session_start, user=alice, session_key="alice-laptop")
    await call(session_start, user=bob, session_key="bob-phone")
    laptop = await enter(relay_harness, room, alice, session_key="alice-laptop")
    cli = await relay_harness.client(f"{alice.pk}~whep-cli", room=name(room))  # an API token's grant: no session
    phone = await enter(relay_harness, room, bob, session_key="bob-phone")

    if how == "signed_in_elsewhere":
        await call(session_start, user=alice, session_key="alice-tablet")
    else:
        await call(session_end, session_key="alice-laptop")

    assert (await laptop.wait_for(lambda m: m["type"] == "kicked"))["reason"] == "signed_out"
    await eventually(lambda: laptop.closed_code == 4403)
    assert cli.closed_code is None and phone.closed_code is None
    if how == "signed_in_elsewhere":  # the new session's token is let in at once
        tablet = await enter(relay_harness, room, alice, session_key="alice-tablet")
        assert tablet.closed_code is None


@pytest.mark.asyncio
async def test_a_closed_room_closes_every_peer_4410(relay_harness, following, room, alice, bob):
    peers = [await enter(relay_harness, room, alice), await enter(relay_harness, room, bob)]

    await call(room_close, actor=alice, room=room)

    for peer in peers:
        assert (await peer.wait_for(lambda m: m["type"] == "kicked"))["reason"] == "room_closed"
    await eventually(lambda: all(peer.closed_code == 4410 for peer in peers))
    await eventually(lambda: name(room) not in relay_harness.relay.rooms)


@pytest.mark.asyncio
async def test_the_group_is_followed_only_while_the_room_is_hosted(relay_harness, following, layer, room, bob):
    peer = await enter(relay_harness, room, bob)
    assert name(room) in following._followers

    await peer.send({"type": "leave"})
    await eventually(lambda: not following._followers)
    if isinstance(layer, InMemoryChannelLayer):
        await eventually(lambda: not layer.groups.get(f"room.{room.pk}"))


@pytest.fixture
def recording_relay(relay_harness, settings, tmp_path):
    """The harness relay hands its recording parts to the platform (as run_relay does), stored under tmp_path."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path / "media")}}}
    settings.MEDIA_RELAY_RECORDING_DIR = str(tmp_path / "parts")
    relay_harness.relay.on_recording_part = recording_hand_off
    return relay_harness.relay


async def stored_parts(recording, *, at_least: int = 1, timeout: float = 5.0) -> list[RecordingPart]:
    parts = database_sync_to_async(lambda: list(RecordingPart.objects.filter(recording=recording)))
    deadline = asyncio.get_running_loop().time() + timeout
    while len(found := await parts()) < at_least:
        assert asyncio.get_running_loop().time() < deadline, f"{len(found)} parts stored"
        await asyncio.sleep(0.05)
    return found


@pytest.mark.asyncio
async def test_the_relay_records_while_the_platform_says_so_and_the_parts_are_stored(
    relay_harness, recording_relay, following, room, alice, tmp_path
):
    speaker = await enter(relay_harness, room, alice)
    await speaker.publish(ToneTrack(440))

    recording = await call(recording_start, actor=alice, room=room)
    await eventually(lambda: getattr(recording_relay.recordings.get(name(room)), "part", None) is not None)
    assert recording_relay.recordings[name(room)].tag == str(recording.pk)
    await asyncio.sleep(1.0)
    await call(recording_stop, actor=alice, room=room)

    await eventually(lambda: name(room) not in recording_relay.recordings)
    [part] = await stored_parts(recording)
    assert part.tracks == ["audio"] and 0.5 < part.duration < 3.0
    assert part.file.name.startswith(f"recordings/{name(room)}/{name(room)}-rec{recording.pk}-1-")
    assert (tmp_path / "media" / part.file.name).stat().st_size == part.size > 1000
    assert not list((tmp_path / "parts").iterdir())  # the local copy is gone once stored


@pytest.mark.asyncio
async def test_a_recording_goes_on_when_the_room_comes_back_to_voice(
    relay_harness, recording_relay, following, room, alice
):
    recording = await call(recording_start, actor=alice, room=room)  # before anyone is in voice
    speaker = await enter(relay_harness, room, alice)
    await speaker.publish(ToneTrack(440))
    await eventually(lambda: getattr(recording_relay.recordings.get(name(room)), "part", None) is not None)
    await asyncio.sleep(0.5)

    await speaker.send({"type": "leave"})  # the room empties: its part is finished and stored
    await stored_parts(recording)
    speaker = await enter(relay_harness, room, alice)
    await speaker.publish(ToneTrack(440))
    await eventually(lambda: getattr(recording_relay.recordings.get(name(room)), "part", None) is not None)
    await asyncio.sleep(0.5)
    await call(recording_stop, actor=alice, room=room)
    assert len(await stored_parts(recording, at_least=2)) == 2


@pytest.fixture
def hls_relay(relay_harness, settings, tmp_path):
    """The harness relay writes HLS into the platform's storage (as run_relay does), under tmp_path."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    relay_harness.relay.on_hls_write, relay_harness.relay.on_hls_event = hls_write, hls_session_event
    return relay_harness.relay


async def hls_written_while_switched_on(relay_harness, hls_relay, room, alice, tmp_path) -> None:
    """alice talks; HLS goes on: a session is recorded and its live playlist lists segments in storage;
    HLS goes off: the egress stops and the session's complete playlist is final."""
    speaker = await enter(relay_harness, room, alice)
    await speaker.publish(ToneTrack(440))
    output = await call(hls_output_start, relay_room=name(room))
    await eventually(lambda: name(room) in hls_relay.hls, timeout=3)
    assert hls_relay.hls[name(room)].tag == str(output.pk)
    sessions = database_sync_to_async(lambda: list(HlsSession.objects.filter(output=output)))
    for _ in range(100):
        if (found := await sessions()) and (tmp_path / found[0].directory / "live.m3u8").exists():
            break
        await asyncio.sleep(0.1)
    [session] = found
    assert "seg00000.m4s" in (tmp_path / session.directory / "live.m3u8").read_text()

    await call(hls_output_stop, relay_room=name(room))
    await eventually(lambda: name(room) not in hls_relay.hls, timeout=3)
    for _ in range(50):
        if (await sessions())[0].ended_at is not None:
            break
        await asyncio.sleep(0.1)
    assert (await sessions())[0].ended_at is not None
    assert (tmp_path / session.directory / "index.m3u8").read_text().rstrip().endswith("#EXT-X-ENDLIST")


@pytest.mark.asyncio
async def test_the_relay_writes_hls_while_the_platform_switch_is_on(
    relay_harness, hls_relay, following, room, alice, tmp_path
):
    await hls_written_while_switched_on(relay_harness, hls_relay, room, alice, tmp_path)


# ------------------------------------------------------------------ the embedded default


@pytest.mark.asyncio
async def test_embedded_mode_rechecks_hosted_rooms_from_the_database(relay_harness, room, alice, bob, carol):
    link = RoomLink(relay_harness.relay, recheck_interval=0.1)  # no channel layer: nothing to hear
    link.start()
    try:
        await call(add_member, room=room, user=carol)
        alice_peer, bob_peer, carol_peer = [await enter(relay_harness, room, u) for u in (alice, bob, carol)]
        assert not link._followers

        await call(member_mute, actor=alice, room=room, target=bob, is_muted=True)
        await eventually(lambda: audio_muted(relay_harness, room, bob), timeout=2)

        await call(member_kick, actor=alice, room=room, target=carol)
        assert (await carol_peer.wait_for(lambda m: m["type"] == "kicked", timeout=2))["reason"] == "removed"

        await call(room_close, actor=alice, room=room)
        await eventually(lambda: alice_peer.closed_code == 4410 and bob_peer.closed_code == 4410, timeout=2)
    finally:
        await link.close()


@pytest.mark.asyncio
async def test_embedded_mode_drops_revoked_whip_publishers_ended_sessions_and_follows_the_recording(
    relay_harness, recording_relay, room, alice, bob
):
    link = RoomLink(relay_harness.relay, recheck_interval=0.1)
    link.start()
    try:
        await call(stream_key_create, actor=alice, room=room)
        browser = await enter(relay_harness, room, alice)
        obs = await relay_harness.client(whip_peer_id(alice.pk), room=name(room))
        await obs.publish(ToneTrack(440))

        recording = await call(recording_start, actor=alice, room=room)
        await eventually(lambda: getattr(recording_relay.recordings.get(name(room)), "part", None) is not None)
        assert recording_relay.recordings[name(room)].tag == str(recording.pk)

        await call(stream_key_revoke, actor=alice, room=room)
        assert (await obs.wait_for(lambda m: m["type"] == "kicked", timeout=2))["reason"] == "removed"
        assert browser.closed_code is None

        await call(session_start, user=bob, session_key="bob-1")
        bob_peer = await enter(relay_harness, room, bob, session_key="bob-1")
        await call(session_end, session_key="bob-1")
        assert (await bob_peer.wait_for(lambda m: m["type"] == "kicked", timeout=2))["reason"] == "signed_out"

        await call(recording_stop, actor=alice, room=room)
        await eventually(lambda: name(room) not in recording_relay.recordings, timeout=2)
        assert (await stored_parts(recording))[0].tracks == ["audio"]
    finally:
        await link.close()


@pytest.mark.asyncio
async def test_authorize_reads_the_room_once_then_answers_from_the_cache(relay_harness, room, bob, monkeypatch):
    loads = []

    async def counting_load(room_id):
        loads.append(room_id)
        return await load_rights(room_id)

    monkeypatch.setattr(platform, "load_rights", counting_load)
    link = RoomLink(relay_harness.relay, cache_seconds=600)
    peer = PeerInfo(str(bob.pk), name(room))

    assert await link.authorize(peer, "join") and not await link.authorize(peer, "kick")
    assert await link.authorize(PeerInfo(str(bob.pk), "not-a-platform-room"), "join") is False
    assert loads == [name(room)]  # two queries (test_grant.py counts them), once


@pytest.mark.asyncio
async def test_someone_who_joined_the_room_after_the_cached_read_is_let_in_at_once(relay_harness, room, carol):
    link = RoomLink(relay_harness.relay, cache_seconds=600)
    carol_peer = PeerInfo(str(carol.pk), name(room))
    assert not await link.authorize(carol_peer, "join")  # not a member yet: cached without her

    await call(add_member, room=room, user=carol)

    assert await link.authorize(carol_peer, "join")


def test_for_this_process_follows_events_through_redis_and_rechecks_in_memory(settings):
    class FakeRelay:
        authorize = on_room_opened = on_room_closed = None

    settings.CHANNEL_LAYERS = IN_MEMORY
    embedded = RoomLink.for_this_process(FakeRelay())
    assert (embedded.layer, embedded.recheck_interval) == (None, 2.0)
    if django_settings.REDIS_URL:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "config.fanout.FanoutChannelLayer",
                                               "CONFIG": {"hosts": [django_settings.REDIS_URL]}}}
        following = RoomLink.for_this_process(FakeRelay())
        assert following.layer is not None and following.recheck_interval is None


@pytest.mark.asyncio
async def test_embedded_mode_follows_the_hls_switch(relay_harness, hls_relay, room, alice, tmp_path):
    link = RoomLink(relay_harness.relay, recheck_interval=0.1)
    link.start()
    try:
        await hls_written_while_switched_on(relay_harness, hls_relay, room, alice, tmp_path)
    finally:
        await link.close()
