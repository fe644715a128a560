"""Authorization matrix for guilds (RELIABILITY item 12): every guilds endpoint × every kind of caller.

Olive leads an invite-only guild with Mia in it (a chat message, a guild room, a guild event, a
pending invite to Ivy); Otto, the other user, has asked to join it and is invited to it; Gus leads a
public guild nobody else is in. Staff are in no guild. The machinery is tests/authz.py.
"""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.services.tokens import api_token_create
from gamification.models import Event
from guilds.models import Guild, GuildBan, GuildInvite, GuildJoinRequest, GuildMember, GuildMessage
from guilds.services.rooms import guild_room_create
from rooms.models import Room
from tests.accounts.factories import UserFactory
from tests.authz import (
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    caller,
    expect,
    matrix_params,
    perform,
)

from .factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db

PUBLIC: set[str] = set()  # no guilds endpoint is open to anonymous callers


@pytest.fixture
def w(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, mia=UserFactory(handle="mia"), ivy=UserFactory(handle="ivy"))
    w.owner, w.other = olive, UserFactory(handle="otto")
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.guild = GuildFactory(created_by=olive, name="Olive's club", slug="olives-club", is_public=False)
    add_member(w.guild, w.mia)
    w.open = GuildFactory(created_by=UserFactory(handle="gus"), name="Gus's hall", slug="gus-hall")
    w.message = GuildMessage.objects.create(guild=w.guild, author=w.mia, body="hi all")
    w.room = guild_room_create(actor=olive, guild=w.guild, name="Club night")
    w.request = GuildJoinRequest.objects.create(guild=w.guild, user=w.other)
    w.invite = GuildInvite.objects.create(guild=w.guild, invited_user=w.other, invited_by=olive)
    w.ivy_invite = GuildInvite.objects.create(guild=w.guild, invited_user=w.ivy, invited_by=olive)
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile("a.png", out.getvalue(), "image/png")


def event_data() -> dict:
    starts = timezone.now() + datetime.timedelta(hours=1)
    return {"title": "Movie marathon", "starts_at": starts.isoformat(),
            "ends_at": (starts + datetime.timedelta(days=1)).isoformat(),
            "tasks": [{"kind": "watch_hours", "target": 3, "xp_reward": 100}]}


def in_guild(guild, user, **fields) -> bool:
    return GuildMember.objects.filter(guild=guild, user=user, **fields).exists()


# -- checks: after a success, what the caller saw or changed -------------------------------------------------
def check_list(w, role, response):
    assert {row["slug"] for row in response.json()["results"]} == {"olives-club", "gus-hall"}


def check_founded(w, role, response):
    assert in_guild(Guild.objects.get(slug=response.json()["slug"]), caller(w, role), role="leader")


def check_detail(w, role, response):
    assert response.json()["guild"]["slug"] == "olives-club"


def check_renamed(w, role, response):
    assert Guild.objects.get(pk=w.guild.pk).description == "edited"


def check_disbanded(w, role, response):
    assert not Guild.objects.filter(pk=w.guild.pk).exists()


def check_avatar(w, role, response):
    assert Guild.objects.get(pk=w.guild.pk).avatar


def check_joined_open(w, role, response):
    assert in_guild(w.open, caller(w, role))


def check_members(w, role, response):
    assert {row["user"]["handle"] for row in response.json()} == {"olive", "mia"}


def check_kicked(w, role, response):
    assert not in_guild(w.guild, w.mia) and GuildBan.objects.filter(guild=w.guild, user=w.mia).exists()


def mia_is(role_name: str):
    def check(w, role, response):
        assert in_guild(w.guild, w.mia, role=role_name)
    return check


def check_requests(w, role, response):
    assert [row["id"] for row in response.json()] == [w.request.pk]


def check_asked(w, role, response):
    assert GuildJoinRequest.objects.get(pk=response.json()["id"]).user == caller(w, role)


def request_is(status: str):
    def check(w, role, response):
        assert GuildJoinRequest.objects.get(pk=w.request.pk).status == status
    return check


def check_invites(w, role, response):
    assert {row["id"] for row in response.json()} == {w.invite.pk, w.ivy_invite.pk}


def check_invited(w, role, response):
    assert GuildInvite.objects.get(pk=response.json()["id"]).invited_user == w.staff


def invite_is(status: str, attr: str = "invite"):
    def check(w, role, response):
        assert GuildInvite.objects.get(pk=getattr(w, attr).pk).status == status
    return check


def check_my_invites(w, role, response):
    assert [row["id"] for row in response.json()] == ([w.invite.pk] if role == "other" else [])


def check_accepted(w, role, response):  # by Otto's invite, or his request approved
    assert in_guild(w.guild, w.other)


def check_messages(w, role, response):
    assert [row["id"] for row in response.json()] == [w.message.pk]


def check_sent(w, role, response):
    assert GuildMessage.objects.get(pk=response.json()["id"]).author == w.olive


def check_message_deleted(w, role, response):
    assert GuildMessage.objects.get(pk=w.message.pk).deleted_at is not None


def check_rooms(w, role, response):
    assert [row["code"] for row in response.json()] == [w.room.code]


def check_room_opened(w, role, response):
    assert Room.objects.get(code=response.json()["code"]).guild_id == w.guild.pk


def check_room_closed(w, role, response):
    assert Room.objects.get(pk=w.room.pk).closed_at is not None


def check_events(w, role, response):
    assert response.json() == []


def check_event_created(w, role, response):
    assert Event.objects.get(slug=response.json()["slug"]).guild_id == w.guild.pk


def check_activity(w, role, response):
    assert isinstance(response.json(), list)


G = "/guilds/olives-club"
MIA = G + "/members/mia"
MEMBERS_ONLY = {"owner": 200, "other": 403}

CASES = [
    # -- browsing and founding: anyone signed in; Olive is already in a guild
    Case("api-guilds", "get", "/guilds/", expect(owner=200), check=check_list),
    Case("api-guilds", "post", "/guilds/", expect(owner=409, other=201), data={"name": "New crew"}, check=check_founded),
    # -- a guild's page is for anyone signed in; only the leader changes or disbands it
    Case("api-guild", "get", G + "/", expect(owner=200), check=check_detail),
    Case("api-guild", "patch", G + "/", expect(owner=200, other=403), data={"description": "edited"}, check=check_renamed),
    Case("api-guild", "delete", G + "/", expect(owner=204, other=403), check=check_disbanded),
    Case("api-guild-avatar", "put", G + "/avatar/", expect(owner=200, other=403), format="multipart",
         data=lambda: {"avatar": png_upload()}, check=check_avatar),
    # -- joining (a public guild, while in no other) and leaving (the leader must hand over first)
    Case("api-guild-join", "post", "/guilds/gus-hall/join/", expect(owner=409, other=200), check=check_joined_open),
    Case("api-guild-leave", "post", G + "/leave/", expect(owner=409, other=404)),
    # -- members: listed for anyone signed in; the leader's powers over Mia
    Case("api-guild-members", "get", G + "/members/", expect(owner=200), check=check_members),
    Case("api-guild-kick", "post", MIA + "/kick/", expect(owner=204, other=403), check=check_kicked),
    Case("api-guild-role", "post", MIA + "/role/", expect(owner=200, other=403), data={"role": "officer"},
         check=mia_is("officer")),
    Case("api-guild-transfer", "post", MIA + "/transfer/", expect(owner=200, other=403), check=mia_is("leader")),
    # -- join requests: anyone asks; the asker withdraws; the leader and officers answer
    Case("api-guild-join-requests", "get", G + "/join-requests/", expect(owner=200, other=403), check=check_requests),
    Case("api-guild-join-requests", "post", G + "/join-requests/", expect(owner=409, other=409, staff=201),
         check=check_asked),
    Case("api-guild-join-request", "delete", G + "/join-requests/{w.request.pk}/", expect(owner=404, other=204, staff=404),
         check=request_is("cancelled")),
    Case("api-guild-join-request-approve", "post", G + "/join-requests/{w.request.pk}/approve/",
         expect(owner=200, other=403), check=check_accepted),
    Case("api-guild-join-request-reject", "post", G + "/join-requests/{w.request.pk}/reject/",
         expect(owner=200, other=403), check=request_is("rejected")),
    # -- invites: the leader and officers send and revoke them; the invitee answers
    Case("api-guild-invites", "get", G + "/invites/", expect(owner=200, other=403), check=check_invites),
    Case("api-guild-invites", "post", G + "/invites/", expect(owner=201, other=403), data={"handle": "stella"},
         check=check_invited),
    Case("api-guild-invite", "delete", G + "/invites/{w.ivy_invite.pk}/", expect(owner=204, other=403),
         check=invite_is("revoked", "ivy_invite")),
    Case("api-my-guild-invites", "get", "/guild-invites/", expect(owner=200), check=check_my_invites),
    Case("api-guild-invite-accept", "post", "/guild-invites/{w.invite.pk}/accept/", expect(owner=404, other=200, staff=404),
         check=check_accepted),
    Case("api-guild-invite-decline", "post", "/guild-invites/{w.invite.pk}/decline/",
         expect(owner=404, other=200, staff=404), check=invite_is("declined")),
    # -- chat, rooms, events: members; deleting, opening and scheduling for the leader and officers
    Case("api-guild-messages", "get", G + "/messages/", expect(**MEMBERS_ONLY), check=check_messages),
    Case("api-guild-messages", "post", G + "/messages/", expect(owner=201, other=403), scope="chat:write", data={"body": "hello"},
         check=check_sent),
    Case("api-guild-message", "delete", G + "/messages/{w.message.pk}/", expect(owner=204, other=403),
         check=check_message_deleted),
    Case("api-guild-rooms", "get", G + "/rooms/", expect(**MEMBERS_ONLY), check=check_rooms),
    Case("api-guild-rooms", "post", G + "/rooms/", expect(owner=201, other=403), data={"name": "Second night"},
         check=check_room_opened),
    Case("api-guild-room", "delete", G + "/rooms/{w.room.code}/", expect(owner=204, other=403), check=check_room_closed),
    Case("api-guild-events", "get", G + "/events/", expect(**MEMBERS_ONLY), check=check_events),
    Case("api-guild-events", "post", G + "/events/", expect(owner=201, other=403), data=event_data,
         check=check_event_created),
    Case("api-guild-activity", "get", G + "/activity/", expect(owner=200), check=check_activity),
]


def olive_state(w, role: str) -> dict:
    """Everything of Olive's guild, less what is the caller's own (their request, their invite)."""
    mine = caller(w, role)
    return {
        "guild": list(Guild.objects.filter(pk=w.guild.pk).values()),
        "members": sorted(GuildMember.objects.filter(guild=w.guild).values_list("user", "role")),
        "bans": sorted(GuildBan.objects.filter(guild=w.guild).values_list("user", flat=True)),
        "requests": sorted(GuildJoinRequest.objects.filter(guild=w.guild).exclude(user=mine).values_list("pk", "status")),
        "invites": sorted(GuildInvite.objects.filter(guild=w.guild).exclude(invited_user=mine).values_list("pk", "status")),
        "messages": sorted(GuildMessage.objects.filter(guild=w.guild).values_list("pk", "body", "deleted_at")),
        "rooms": sorted(Room.objects.filter(guild=w.guild).values_list("pk", "closed_at")),
        "events": sorted(Event.objects.filter(guild=w.guild).values_list("pk", flat=True)),
    }


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    before = olive_state(w, role)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and as_owner(role)):
        # Only Olive (or her token) changes Olive's guild; Otto only answers what is his, refusals nothing.
        after = olive_state(w, role)
        if succeeded and role == "other" and case.name in ("api-guild-invite-accept", "api-guild-join-request-approve"):
            after["members"].remove((w.other.pk, "member"))
        assert after == before


# Guild events are gamification's endpoints (they pay XP) but need a guild's members to test: their
# cases live here and count towards gamification's matrix (tests/gamification/test_authz_matrix.py).
GUILD_EVENTS = {"api-guild-events"}


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("guilds", [case for case in CASES if case.name not in GUILD_EVENTS], at_least=30)


@pytest.mark.parametrize("name, method, route", anonymous_params("guilds"))
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=PUBLIC, fill="olives-club")
