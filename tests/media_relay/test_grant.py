"""The platform side of the relay: settings, rights, TURN credentials and POST /api/v1/rooms/<code>/media-token/."""

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services.sessions import session_end, session_start
from accounts.services.tokens import api_token_create
from config.api import CallerRateThrottle
from config.errors import ApplicationError
from media_relay.relay_settings import relay_config_from_settings, relay_token_secret
from media_relay.selectors import media_permissions, room_id_from_relay_room, room_media_rights, voice_member_get
from media_relay.services import configured_worker, relay_grant, turn_credentials
from media_relay.sfu.actions import Action
from media_relay.sfu.tokens import session_fingerprint, verify_token
from rooms.models import RoomBan, RoomRole
from rooms.services.membership import member_kick, room_close
from tests.rooms.factories import RoomFactory, add_member

from .conftest import SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("platform_isolation")]

MEMBER = {"join", "subscribe", "publish_audio"}
MODERATOR = MEMBER | {"mute_others", "kick"}


@pytest.fixture
def room(alice, bob):
    """A voice room (microphone on) led by alice; bob is a member."""
    room = RoomFactory(created_by=alice, kind="voice")
    add_member(room, bob)
    return room


def perms(room, user) -> set[str]:
    return set(relay_grant(user=user, room=room)["perms"])


# ------------------------------------------------------------------ settings


def test_relay_config_comes_from_django_settings_and_options_override(settings):
    settings.MEDIA_RELAY_HOST, settings.MEDIA_RELAY_PORT = "0.0.0.0", 9000
    settings.MEDIA_RELAY_ICE_ADDRESSES = ["203.0.113.7"]
    settings.MEDIA_RELAY_MEDIA_TIMEOUT, settings.MEDIA_RELAY_HEARTBEAT, settings.MEDIA_RELAY_MAX_ROOM_PEERS = 7.0, 2.0, 50

    config = relay_config_from_settings()
    assert (config.host, config.port, config.ice_addresses) == ("0.0.0.0", 9000, ["203.0.113.7"])
    assert (config.media_timeout, config.heartbeat_interval, config.max_room_peers) == (7.0, 2.0, 50)

    overridden = relay_config_from_settings(host="127.0.0.1", port=0, ice_addresses=None, media_timeout=None)
    assert (overridden.host, overridden.port, overridden.ice_addresses) == ("127.0.0.1", 0, ["203.0.113.7"])


def test_token_secret_is_the_setting_else_derived_from_the_secret_key(settings):
    settings.MEDIA_RELAY_TOKEN_SECRET = "shared"
    assert relay_token_secret() == b"shared"
    settings.MEDIA_RELAY_TOKEN_SECRET = ""
    derived = relay_token_secret()
    assert derived not in (b"", settings.SECRET_KEY.encode()) and len(derived) == 32
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"
    assert relay_token_secret() != derived


# ------------------------------------------------------------------ rights


def test_a_member_joins_listens_and_talks_with_the_microphone_on(room, bob):
    assert perms(room, bob) == MEMBER


def test_with_the_microphone_off_only_the_leader_talks(room, alice, bob, carol):
    add_member(room, carol, role=RoomRole.MODERATOR)
    room.is_mic_enabled = False
    room.save()
    assert perms(room, bob) == {"join", "subscribe"}
    assert perms(room, carol) == {"join", "subscribe", "mute_others", "kick"}
    assert perms(room, alice) == MODERATOR


def test_a_muted_member_does_not_talk(room, bob):
    room.members.filter(user=bob).update(is_muted=True)
    assert perms(room, bob) == {"join", "subscribe"}


def test_the_leader_and_moderators_mute_and_kick(room, alice, carol):
    add_member(room, carol, role=RoomRole.MODERATOR)
    assert perms(room, alice) == MODERATOR
    assert perms(room, carol) == MODERATOR


def test_every_right_is_a_relay_action(room, alice):
    assert set(relay_grant(user=alice, room=room)["perms"]) <= set(Action)


def test_a_non_member_is_refused(room, carol):
    with pytest.raises(ApplicationError) as info:
        relay_grant(user=carol, room=room)
    assert (info.value.status, info.value.code) == (403, "not_a_member")


def test_a_kicked_member_is_refused_as_banned_until_the_ban_ends(room, alice, bob):
    member_kick(actor=alice, room=room, target=bob)
    with pytest.raises(ApplicationError) as info:
        relay_grant(user=bob, room=room)
    assert (info.value.status, info.value.code) == (403, "room_banned")

    RoomBan.objects.filter(user=bob).update(until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ApplicationError) as info:
        relay_grant(user=bob, room=room)
    assert info.value.code == "not_a_member"


def test_a_closed_room_is_gone(room, alice):
    room_close(actor=alice, room=room)
    room.refresh_from_db()
    with pytest.raises(ApplicationError) as info:
        relay_grant(user=alice, room=room)
    assert (info.value.status, info.value.code) == (410, "room_closed")


def test_room_media_rights_reads_a_room_in_two_queries(room, alice, bob, carol, django_assert_num_queries):
    add_member(room, carol, is_muted=True)
    with django_assert_num_queries(2):
        rights = room_media_rights(room_id=room.pk)
    assert rights.is_open
    assert rights.perms == {str(alice.pk): MODERATOR, str(bob.pk): MEMBER, str(carol.pk): {"join", "subscribe"}}
    assert rights.perms_for("nobody") == frozenset()


def test_room_media_rights_of_a_closed_or_missing_room_is_nothing(room, alice, django_assert_num_queries):
    room_close(actor=alice, room=room)
    with django_assert_num_queries(1):
        assert not room_media_rights(room_id=room.pk).is_open
    assert not room_media_rights(room_id=room.pk + 10**6).is_open


def test_voice_member_get_is_one_query_for_a_member(room, bob, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert voice_member_get(room=room, user=bob).user_id == bob.pk


def test_media_permissions_without_a_member_is_nothing(room):
    assert media_permissions(room=room, member=None) == frozenset()


def test_a_room_that_allows_cameras_lets_whoever_may_talk_send_video_too(bob, carol):
    call = RoomFactory(kind="voice", max_members=12, is_camera_enabled=True)  # as a call from a direct message
    talker, muted = add_member(call, bob), add_member(call, carol, is_muted=True)
    assert media_permissions(room=call, member=talker) == MEMBER | {"publish_video"}
    assert media_permissions(room=call, member=muted) == {"join", "subscribe"}
    voice = RoomFactory(kind="voice", max_members=12)
    assert "publish_video" not in media_permissions(room=voice, member=add_member(voice, bob))
    assert room_media_rights(room_id=call.pk).perms_for(str(bob.pk)) == MEMBER | {"publish_video"}


def test_relay_room_names():
    assert room_id_from_relay_room("room-42") == 42
    for name in ("room-", "room-4x", "42", "other-42", "room--1"):
        assert room_id_from_relay_room(name) is None


# ------------------------------------------------------------------ the grant


def test_the_grant_holds_a_token_the_relay_accepts(room, bob, settings):
    settings.MEDIA_RELAY_URL = "wss://relay.example.com/"
    settings.MEDIA_RELAY_TOKEN_TTL = 120
    before = timezone.now()

    grant = relay_grant(user=bob, room=room)

    claims = verify_token(grant["token"], secret=SECRET)
    assert grant["url"] == "wss://relay.example.com/"
    assert grant["room"] == claims.room == f"room-{room.pk}"
    assert claims.peer == str(bob.pk) and claims.name == bob.name
    assert claims.perms == MEMBER
    assert before + timedelta(seconds=119) <= grant["expires_at"] <= timezone.now() + timedelta(seconds=120)
    assert claims.exp == int(grant["expires_at"].timestamp())
    assert grant["ice_servers"] == []


def test_each_room_goes_to_one_of_several_workers(settings):
    settings.MEDIA_RELAY_URL = "wss://relay.example.com/w0/, wss://relay.example.com/w1/"
    assert [configured_worker(settings.MEDIA_RELAY_URL, room_id=i) for i in (4, 5, 6)] == [
        "wss://relay.example.com/w0/", "wss://relay.example.com/w1/", "wss://relay.example.com/w0/",
    ]


def test_turn_credentials_follow_coturns_rest_api_formula():
    creds = turn_credentials(user_id=7, secret="north", ttl=600, now=1_700_000_000.9)
    assert creds["username"] == "1700000600:7"
    expected = base64.b64encode(hmac.new(b"north", b"1700000600:7", hashlib.sha1).digest()).decode()
    assert creds["credential"] == expected
    # known answer (computed with openssl), so a change of formula fails even if both sides change together
    assert creds["credential"] == "L0yC7/asGQikCAeB+RbDnSboTiI="  # openssl dgst -sha1 -hmac north -binary | base64


def test_ice_servers_stun_always_turn_only_with_urls_and_secret(room, bob, settings):
    settings.WEBRTC_STUN_URLS = ["stun:stun.example.com:3478"]
    settings.WEBRTC_TURN_URLS = ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"]
    settings.WEBRTC_TURN_SECRET = ""
    assert relay_grant(user=bob, room=room)["ice_servers"] == [{"urls": ["stun:stun.example.com:3478"]}]

    settings.WEBRTC_TURN_SECRET, settings.WEBRTC_TURN_TTL = "north", 900
    stun, turn = relay_grant(user=bob, room=room)["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.com:3478"]}
    assert turn["urls"] == settings.WEBRTC_TURN_URLS
    expiry, user_id = turn["username"].split(":")
    assert user_id == str(bob.pk) and 890 <= int(expiry) - timezone.now().timestamp() <= 900
    assert turn["credential"] == turn_credentials(user_id=bob.pk, secret="north", ttl=0, now=int(expiry))["credential"]


# ------------------------------------------------------------------ the API


def url(room) -> str:
    return f"/api/v1/rooms/{room.code}/media-token/"


def test_api_with_the_session(room, bob):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(bob)
    response = client.post(url(room))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"url", "token", "room", "perms", "ice_servers", "expires_at"}
    claims = verify_token(body["token"], secret=SECRET)
    assert claims.peer == str(bob.pk)
    # bound to the session it was asked with, by a fingerprint: the key itself is not in the token
    session_key = client.session.session_key
    assert claims.session == session_fingerprint(session_key, secret=SECRET) and len(claims.session) == 32
    assert session_key not in base64.urlsafe_b64decode(body["token"].split(".")[1] + "==").decode()


def test_api_with_an_api_token(room, bob):
    _, key = api_token_create(user=bob, name="cli")
    response = APIClient().post(url(room), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert set(response.json()["perms"]) == MEMBER
    assert verify_token(response.json()["token"], secret=SECRET).session == ""  # no session to end with


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("carol", 403, "not_a_member"), ("anonymous", 401, "not_authenticated")],
)
def test_api_refusals_in_the_error_shape(room, carol, who, status, code):
    client = APIClient()
    if who != "anonymous":
        client.force_login(carol)
    response = client.post(url(room))
    assert response.status_code == status
    assert response.json()["code"] == code and set(response.json()) == {"code", "message", "extra"}


def test_api_unknown_and_closed_rooms(room, alice):
    client = APIClient()
    client.force_login(alice)
    assert client.post("/api/v1/rooms/nosuchroom/media-token/").json()["code"] == "room_not_found"
    room_close(actor=alice, room=room)
    response = client.post(url(room))
    assert (response.status_code, response.json()["code"]) == (410, "room_closed")


def test_api_is_throttled_like_the_rest(room, bob, monkeypatch):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min", "token": "2/min"})
    client = APIClient()
    client.force_login(bob)
    assert [client.post(url(room)).status_code for _ in range(3)] == [200, 200, 429]


def test_a_session_ending_tells_the_relay_groups_of_the_users_rooms_to_re_read_rights(room, bob, published, commit):
    other = RoomFactory()
    add_member(other, bob)
    RoomFactory()  # not bob's
    session_start(user=bob, session_key="bob-laptop")

    with commit():
        session_end(session_key="bob-laptop")

    sent = [(sorted(groups), event) for groups, event, _ in published if event["type"] == "media_relay.rights"]
    # to the groups only relay workers follow: the rooms' pages don't get it
    relay_groups = sorted([f"media_relay.room.{room.pk}", f"media_relay.room.{other.pk}"])
    assert sent == [(relay_groups, {"type": "media_relay.rights", "op": "changed"})]
