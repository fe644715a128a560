"""Room defaults (issue 16): a user's defaults for new rooms, set on the settings page or PATCH /api/v1/me/,
pre-fill the create page and fill what a POST /api/v1/rooms/ leaves out (explicit values win)."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from accounts.services.room_defaults import user_room_defaults_set
from config.errors import ApplicationError
from rooms.models import ChatMode, PlaybackControl, Room, Visibility
from tests.api import assert_error, signed_in

from .conftest import refused

pytestmark = pytest.mark.django_db

API = "/api/v1"
SETTINGS = ("visibility", "is_mic_enabled", "playback_control", "chat_mode")


@pytest.fixture
def host(alice):
    """Alice, whose new rooms are public, with microphones, playback for anyone and chat for moderators."""
    return user_room_defaults_set(user=alice, room_visibility=Visibility.PUBLIC, room_mic_enabled=True,
                                  room_playback_control=PlaybackControl.ANYONE, room_chat_mode=ChatMode.MODS)


def test_new_users_get_what_rooms_had_as_defaults(bob):
    bob.refresh_from_db()
    assert (bob.room_visibility, bob.room_mic_enabled, bob.room_playback_control, bob.room_chat_mode) == (
        Visibility.FRIENDS, False, PlaybackControl.LEADER, ChatMode.ALL)


# -- the service ---------------------------------------------------------------------------------------------
def test_the_service_saves_only_what_it_is_given(host):
    user_room_defaults_set(user=host, room_chat_mode=ChatMode.OFF)
    host.refresh_from_db()
    assert (host.room_visibility, host.room_mic_enabled, host.room_playback_control, host.room_chat_mode) == (
        Visibility.PUBLIC, True, PlaybackControl.ANYONE, ChatMode.OFF)


@pytest.mark.parametrize(("changes", "fields"), [
    ({"room_visibility": "everyone"}, {"room_visibility"}),
    ({"room_playback_control": "nobody", "room_chat_mode": "loud"}, {"room_playback_control", "room_chat_mode"}),
    ({"room_mic_enabled": "yes"}, {"room_mic_enabled"}),
    ({"room_visibility": "private", "room_chat_mode": "loud"}, {"room_chat_mode"}),
])
def test_the_service_refuses_bad_values_and_changes_nothing(host, changes, fields):
    with refused("room_defaults_invalid") as info:
        user_room_defaults_set(user=host, **changes)
    error: ApplicationError = info.value
    assert error.status == 400 and set(error.as_dict()) == {"code", "message", "extra"}
    assert set(error.extra["fields"]) == fields
    host.refresh_from_db()
    assert (host.room_visibility, host.room_chat_mode) == (Visibility.PUBLIC, ChatMode.MODS)


@pytest.mark.parametrize("field", ["room_visibility", "room_playback_control", "room_chat_mode"])
def test_the_database_refuses_a_value_outside_the_choices(alice, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=alice.pk).update(**{field: "nope"})  # short enough for every column


# -- the settings page ---------------------------------------------------------------------------------------
def test_the_settings_page_shows_and_saves_the_room_defaults(alice):
    client = Client()
    client.force_login(alice)
    page = client.get("/settings/")
    assert 'id="room-defaults-form"' in page.content.decode()
    assert page.context["room_defaults_form"]["room_visibility"].value() == Visibility.FRIENDS
    response = client.post("/settings/", {"action": "room_defaults", "room_visibility": "private",
                                          "room_mic_enabled": "on", "room_playback_control": "anyone",
                                          "room_chat_mode": "off"})
    assert response.status_code == 302
    form = client.get("/settings/").context["room_defaults_form"]
    assert [form[name].value() for name in form.fields] == ["private", True, "anyone", "off"]


def test_the_settings_page_refuses_a_bad_value_on_the_form(alice):
    client = Client()
    client.force_login(alice)
    response = client.post("/settings/", {"action": "room_defaults", "room_visibility": "everyone",
                                          "room_playback_control": "leader", "room_chat_mode": "all"})
    assert response.status_code == 200 and response.context["room_defaults_form"].errors["room_visibility"]
    alice.refresh_from_db()
    assert alice.room_visibility == Visibility.FRIENDS


# -- the API: /me/ ------------------------------------------------------------------------------------------
def test_me_reads_and_writes_the_room_defaults(alice):
    client = signed_in(alice)
    body = client.patch(f"{API}/me/", {"room_visibility": "public", "room_mic_enabled": True}, format="json").json()
    assert (body["room_visibility"], body["room_mic_enabled"], body["room_chat_mode"]) == ("public", True, "all")
    assert client.get(f"{API}/me/").json()["room_visibility"] == "public"
    body = assert_error(client.patch(f"{API}/me/", {"room_chat_mode": "loud"}, format="json"), 400, "invalid")
    assert "room_chat_mode" in body["extra"]["fields"]


# -- the create page ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "mic_on"), [("", True), ("?kind=voice", True)])
def test_the_create_page_is_prefilled_from_the_defaults(host, query, mic_on):
    client = Client()
    client.force_login(host)
    page = client.get(f"/rooms/new/{query}")
    form = page.context["form"]
    assert [form[name].value() for name in SETTINGS] == ["public", mic_on, "anyone", "mods"]
    assert 'data-watch-mic="true"' in page.content.decode()


def test_the_create_page_keeps_voice_rooms_talking_when_watch_parties_are_silent(alice):
    client = Client()
    client.force_login(alice)
    assert client.get("/rooms/new/?kind=voice").context["form"]["is_mic_enabled"].value() is True
    page = client.get("/rooms/new/")
    assert page.context["form"]["is_mic_enabled"].value() is False
    assert 'data-watch-mic="false"' in page.content.decode()


# -- the API: creating a room --------------------------------------------------------------------------------
def created(response) -> Room:
    assert response.status_code == 201, response.content[:500]
    return Room.objects.get(code=response.json()["code"])


@pytest.mark.parametrize(("kind", "mic_on"), [("watch", True), ("voice", True)])
def test_the_api_fills_omitted_settings_from_the_defaults(host, kind, mic_on):
    room = created(signed_in(host).post(f"{API}/rooms/", {"name": "Defaults", "kind": kind}, format="json"))
    assert [getattr(room, name) for name in SETTINGS] == ["public", mic_on, "anyone", "mods"]


def test_the_api_keeps_voice_rooms_talking_when_watch_parties_are_silent(alice):
    watch = created(signed_in(alice).post(f"{API}/rooms/", {"name": "Film"}, format="json"))
    voice = created(signed_in(alice).post(f"{API}/rooms/", {"name": "Talk", "kind": "voice"}, format="json"))
    assert (watch.is_mic_enabled, voice.is_mic_enabled) == (False, True)


def test_explicit_values_win_over_the_defaults(host):
    room = created(signed_in(host).post(f"{API}/rooms/", {
        "name": "Explicit", "visibility": "private", "is_mic_enabled": False, "playback_control": "leader",
        "chat_mode": "all"}, format="json"))
    assert [getattr(room, name) for name in SETTINGS] == ["private", False, "leader", "all"]


def test_one_explicit_value_leaves_the_other_defaults(host):
    room = created(signed_in(host).post(f"{API}/rooms/", {"name": "Mixed", "chat_mode": "off"}, format="json"))
    assert [getattr(room, name) for name in SETTINGS] == ["public", True, "anyone", "off"]


def test_another_users_defaults_do_not_apply(host, bob):
    room = created(signed_in(bob).post(f"{API}/rooms/", {"name": "Bob's"}, format="json"))
    assert [getattr(room, name) for name in SETTINGS] == ["friends", False, "leader", "all"]
