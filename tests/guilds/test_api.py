"""/api/v1/guilds/ and /api/v1/guild-invites/ over HTTP: journeys, the error shape, who may do
what (an authorization matrix), and the exact queries each list costs.

Service rules are tested with the services; here we check what the API adds.
"""

import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from accounts.services.tokens import api_token_create
from audit.models import AuditEvent
from guilds.audit_verbs import AuditVerb
from guilds.models import Guild, GuildActivity, GuildInvite, GuildJoinRequest, GuildMember, GuildMessage, GuildRole
from tests.accounts.factories import UserFactory
from tests.api import assert_error, signed_in
from tests.rooms.factories import RoomFactory

from .factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db

API = "/api/v1"




def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 30, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def crew(guild, bob, carol):
    """Night Owls: alice leads, bob is an officer, carol a member."""
    add_member(guild, bob, role=GuildRole.OFFICER)
    add_member(guild, carol)
    return guild


# -- journeys -----------------------------------------------------------------------------------
def test_found_browse_and_view_a_guild(alice, bob):
    response = signed_in(alice).post(f"{API}/guilds/", {"name": "Night Owls", "description": "Horror", "is_public": False},
                                     format="json")
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "night-owls" and response.json()["is_public"] is False

    listing = signed_in(bob).get(f"{API}/guilds/?q=owls")
    assert [g["name"] for g in listing.json()["results"]] == ["Night Owls"]
    assert listing.json()["results"][0]["member_count"] == 1

    detail = signed_in(bob).get(f"{API}/guilds/night-owls/").json()
    assert (detail["rank"], detail["member_count"], detail["leader"]["handle"], detail["me"], detail["pending_request_id"]) == (
        None, 1, "alice", None, None)  # no watching yet: unranked
    assert signed_in(alice).get(f"{API}/guilds/night-owls/").json()["me"]["role"] == "leader"


def test_list_filters_public_and_invite_only(guild):
    GuildFactory(name="Secret Club", is_public=False)
    client = signed_in(UserFactory())
    assert [g["name"] for g in client.get(f"{API}/guilds/?is_public=false").json()["results"]] == ["Secret Club"]
    assert [g["name"] for g in client.get(f"{API}/guilds/?is_public=true").json()["results"]] == ["Night Owls"]


def test_join_leave_and_the_leader_rule(guild, alice, bob):
    client = signed_in(bob)
    joined = client.post(f"{API}/guilds/night-owls/join/")
    assert joined.status_code == 200 and joined.json()["role"] == "member"
    assert client.post(f"{API}/guilds/night-owls/leave/").status_code == 204
    assert_error(signed_in(alice).post(f"{API}/guilds/night-owls/leave/"), 409, "guild_leader_must_transfer")


def test_a_full_guild_over_http(guild, bob):
    Guild.objects.filter(pk=guild.pk).update(max_members=2)
    add_member(guild)
    body = assert_error(signed_in(bob).post(f"{API}/guilds/night-owls/join/"), 409, "guild_full")
    assert body["extra"] == {"max_members": 2}


def test_kick_roles_and_transfer(crew, alice, bob, carol):
    assert_error(signed_in(bob).post(f"{API}/guilds/night-owls/members/alice/kick/"), 403, "guild_not_allowed")
    assert_error(signed_in(carol).post(f"{API}/guilds/night-owls/members/bob/kick/"), 403, "guild_not_allowed")
    promoted = signed_in(alice).post(f"{API}/guilds/night-owls/members/carol/role/", {"role": "officer"}, format="json")
    assert promoted.json()["role"] == "officer"
    assert_error(signed_in(alice).post(f"{API}/guilds/night-owls/members/carol/role/", {"role": "leader"}, format="json"),
                 400, "invalid")
    transferred = signed_in(alice).post(f"{API}/guilds/night-owls/members/bob/transfer/")
    assert (transferred.status_code, transferred.json()["role"]) == (200, "leader")
    assert signed_in(bob).post(f"{API}/guilds/night-owls/members/alice/kick/").status_code == 204
    assert set(GuildMember.objects.values_list("user__handle", flat=True)) == {"bob", "carol"}
    assert AuditEvent.objects.filter(verb__in=[AuditVerb.GUILD_ROLE_CHANGED, AuditVerb.GUILD_OWNERSHIP_TRANSFERRED,
                                               AuditVerb.GUILD_MEMBER_KICKED]).count() == 3
    assert_error(signed_in(bob).post(f"{API}/guilds/night-owls/members/nobody/kick/"), 404, "user_not_found")


def test_requests_and_invites(crew, bob, dave):
    Guild.objects.filter(pk=crew.pk).update(is_public=False)
    asked = signed_in(dave).post(f"{API}/guilds/night-owls/join-requests/")
    assert asked.status_code == 201
    assert signed_in(dave).get(f"{API}/guilds/night-owls/").json()["pending_request_id"] == asked.json()["id"]
    approved = signed_in(bob).post(f"{API}/guilds/night-owls/join-requests/{asked.json()['id']}/approve/")
    assert (approved.status_code, approved.json()["user"]["handle"]) == (200, "dave")

    eve = UserFactory(handle="eve")
    invite = signed_in(bob).post(f"{API}/guilds/night-owls/invites/", {"handle": "@Eve"}, format="json")
    assert invite.status_code == 201, invite.content
    mine = signed_in(eve).get(f"{API}/guild-invites/").json()
    assert [(i["guild"]["slug"], i["invited_by"]["handle"]) for i in mine] == [("night-owls", "bob")]
    accepted = signed_in(eve).post(f"{API}/guild-invites/{invite.json()['id']}/accept/")
    assert (accepted.status_code, accepted.json()["role"]) == (200, "member")


def test_chat_history_and_send(crew, carol):
    client = signed_in(carol)
    sent = client.post(f"{API}/guilds/night-owls/messages/", {"body": "hi"}, format="json")
    assert sent.status_code == 201 and sent.json()["body"] == "hi"
    later = client.post(f"{API}/guilds/night-owls/messages/", {"body": "there"}, format="json").json()
    assert [m["body"] for m in client.get(f"{API}/guilds/night-owls/messages/").json()] == ["hi", "there"]
    assert [m["body"] for m in client.get(f"{API}/guilds/night-owls/messages/?after={sent.json()['id']}").json()] == ["there"]
    assert [m["body"] for m in client.get(f"{API}/guilds/night-owls/messages/?before={later['id']}").json()] == ["hi"]
    assert_error(client.get(f"{API}/guilds/night-owls/messages/?after=x"), 400, "invalid")
    assert client.delete(f"{API}/guilds/night-owls/messages/{later['id']}/").status_code == 204
    assert_error(client.post(f"{API}/guilds/night-owls/messages/", {"body": ""}, format="json"), 400, "invalid")


def test_guild_rooms_over_http(crew, bob, carol):
    created = signed_in(bob).post(f"{API}/guilds/night-owls/rooms/", {"name": "Friday"}, format="json")
    assert created.status_code == 201 and created.json()["visibility"] == "private"
    code = created.json()["code"]
    listed = signed_in(carol).get(f"{API}/guilds/night-owls/rooms/").json()
    assert [(r["code"], r["member_count"], r["leader"]["handle"]) for r in listed] == [(code, 1, "bob")]
    joined = signed_in(carol).post(f"{API}/rooms/{code}/join/", {}, format="json")
    assert joined.status_code == 200, joined.content
    assert_error(signed_in(UserFactory()).post(f"{API}/rooms/{code}/join/", {}, format="json"), 403, "room_private")
    assert signed_in(bob).delete(f"{API}/guilds/night-owls/rooms/{code}/").status_code == 204


def test_settings_avatar_and_disband(guild, alice):
    client = signed_in(alice)
    patched = client.patch(f"{API}/guilds/night-owls/", {"description": "New", "max_members": 6}, format="json")
    assert (patched.status_code, patched.json()["description"], patched.json()["max_members"]) == (200, "New", 6)
    upload = io.BytesIO(png_bytes())
    upload.name = "a.png"
    avatar = client.put(f"{API}/guilds/night-owls/avatar/", {"avatar": upload}, format="multipart")
    assert avatar.status_code == 200, avatar.content
    assert avatar.json()["avatar_url"].endswith(".webp")
    bad = io.BytesIO(b"<html>not an image</html>")
    bad.name = "a.png"
    assert_error(client.put(f"{API}/guilds/night-owls/avatar/", {"avatar": bad}, format="multipart"), 400, "avatar_invalid")
    assert client.delete(f"{API}/guilds/night-owls/").status_code == 204
    assert_error(client.get(f"{API}/guilds/night-owls/"), 404, "guild_not_found")


def test_activity_hides_guild_rooms_from_outsiders(crew, bob):
    signed_in(bob).post(f"{API}/guilds/night-owls/rooms/", {"name": "Secret screening"}, format="json")
    GuildActivity.objects.create(guild=crew, kind="joined", actor=bob)
    member_view = signed_in(bob).get(f"{API}/guilds/night-owls/activity/").json()
    assert [a["text"] for a in member_view] == ["@bob joined", "@bob opened the room “Secret screening”"]
    outsider_view = signed_in(UserFactory()).get(f"{API}/guilds/night-owls/activity/").json()
    assert [a["text"] for a in outsider_view] == ["@bob joined"]


def test_api_tokens_work_too(crew, carol):
    _, key = api_token_create(user=carol, name="bot")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.post(f"{API}/guilds/night-owls/messages/", {"body": "from a bot"}, format="json").status_code == 201


# -- who may do what ----------------------------------------------------------------------------------------------
ANYONE = {"anonymous": 401, "outsider": 200, "member": 200, "officer": 200, "leader": 200}
MEMBERS = {"anonymous": 401, "outsider": 403, "member": 200, "officer": 200, "leader": 200}
MANAGERS = {"anonymous": 401, "outsider": 403, "member": 403, "officer": 200, "leader": 200}


@pytest.fixture
def matrix(crew, alice, bob, carol):
    Guild.objects.filter(pk=crew.pk).update(is_public=False)
    GuildMessage.objects.create(guild=crew, author=carol, body="hi")
    RoomFactory(guild=crew, created_by=bob)
    GuildJoinRequest.objects.create(guild=crew, user=UserFactory())
    GuildInvite.objects.create(guild=crew, invited_user=UserFactory(), invited_by=bob)
    return {"anonymous": None, "outsider": UserFactory(), "member": carol, "officer": bob, "leader": alice}


@pytest.mark.parametrize(("url", "expected"), [
    ("/guilds/", ANYONE),
    ("/guilds/night-owls/", ANYONE),
    ("/guilds/night-owls/members/", ANYONE),
    ("/guilds/night-owls/activity/", ANYONE),
    ("/guilds/night-owls/messages/", MEMBERS),
    ("/guilds/night-owls/rooms/", MEMBERS),
    ("/guilds/night-owls/join-requests/", MANAGERS),
    ("/guilds/night-owls/invites/", MANAGERS),
])
@pytest.mark.parametrize("who", ["anonymous", "outsider", "member", "officer", "leader"])
def test_reads(matrix, url, expected, who):
    client = APIClient() if matrix[who] is None else signed_in(matrix[who])
    response = client.get(f"{API}{url}")
    assert response.status_code == expected[who], (who, url, response.content[:300])


@pytest.mark.parametrize(("method", "url", "body", "allowed"), [
    ("patch", "/guilds/night-owls/", {"description": "x"}, {"leader"}),
    ("delete", "/guilds/night-owls/", None, {"leader"}),
    ("post", "/guilds/night-owls/members/dave/kick/", None, {"officer", "leader"}),
    ("post", "/guilds/night-owls/members/dave/role/", {"role": "officer"}, {"leader"}),
    ("post", "/guilds/night-owls/members/dave/transfer/", None, {"leader"}),
    ("post", "/guilds/night-owls/invites/", {"handle": "zed"}, {"officer", "leader"}),
    ("post", "/guilds/night-owls/rooms/", {"name": "R"}, {"officer", "leader"}),
    ("post", "/guilds/night-owls/messages/", {"body": "hi"}, {"member", "officer", "leader"}),
])
@pytest.mark.parametrize("who", ["anonymous", "outsider", "member", "officer", "leader"])
def test_writes(matrix, crew, dave, method, url, body, allowed, who):
    add_member(crew, dave)
    UserFactory(handle="zed")
    client = APIClient() if matrix[who] is None else signed_in(matrix[who])
    response = getattr(client, method)(f"{API}{url}", body, format="json")
    if who == "anonymous":
        assert_error(response, 401, "not_authenticated")
    elif who in allowed:
        assert response.status_code in (200, 201, 204), (who, url, response.content[:300])
    else:
        assert response.status_code == 403, (who, url, response.content[:300])
        assert response.json()["code"] in ("guild_not_allowed", "not_a_guild_member")


def test_someone_elses_requests_and_invites_are_not_yours(crew, bob, dave):
    Guild.objects.filter(pk=crew.pk).update(is_public=False)
    join_request = GuildJoinRequest.objects.create(guild=crew, user=dave)
    invite = GuildInvite.objects.create(guild=crew, invited_user=dave, invited_by=bob)
    stranger = signed_in(UserFactory())
    assert_error(stranger.delete(f"{API}/guilds/night-owls/join-requests/{join_request.pk}/"), 404, "guild_join_request_not_found")
    assert_error(stranger.post(f"{API}/guild-invites/{invite.pk}/accept/"), 404, "guild_invite_not_found")
    assert_error(stranger.post(f"{API}/guild-invites/{invite.pk}/decline/"), 404, "guild_invite_not_found")
    assert stranger.get(f"{API}/guild-invites/").json() == []


# -- query counts: every list endpoint, with several rows so an N+1 would show -------------------------------------
ROWS = 5


@pytest.fixture
def busy(crew, alice, bob, carol):
    for i in range(ROWS):
        member = add_member(crew, UserFactory(avatar=f"avatars/{i}/a.webp"))
        add_member(GuildFactory(), UserFactory())
        GuildMessage.objects.create(guild=crew, author=member.user, body=f"m{i}")
        RoomFactory(guild=crew, created_by=member.user)
        GuildActivity.objects.create(guild=crew, kind="joined", actor=member.user)
        GuildInvite.objects.create(guild=crew, invited_user=UserFactory(), invited_by=bob)
        GuildJoinRequest.objects.create(guild=crew, user=UserFactory())
        GuildInvite.objects.create(guild=GuildFactory(), invited_user=carol, invited_by=None)
    Guild.objects.filter(pk=crew.pk).update(max_members=10)
    return crew


@pytest.mark.parametrize(("url", "queries"), [
    ("/guilds/", 2),  # count, page (member count annotated)
    ("/guilds/?q=guild", 2),
    ("/guilds/night-owls/members/", 2),  # guild, members (users joined, weekly seconds annotated)
    ("/guilds/night-owls/activity/", 3),  # guild, your membership, feed (users joined)
    ("/guilds/night-owls/messages/", 3),  # guild, your membership, messages (authors joined)
    ("/guilds/night-owls/rooms/", 4),  # guild, your membership, rooms (counted), their leaders
    ("/guilds/night-owls/join-requests/", 3),  # guild, your role, requests
    ("/guilds/night-owls/invites/", 3),  # guild, your role, invites
    ("/guild-invites/", 1),
])
def test_list_endpoint_query_count(busy, bob, carol, django_assert_num_queries, url, queries):
    client = APIClient()
    client.force_authenticate(carol if url == "/guild-invites/" else bob)  # no session queries: the view's own
    with django_assert_num_queries(queries):
        response = client.get(f"{API}{url}")
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body if isinstance(body, list) else body["results"]
    assert len(rows) >= ROWS, (url, len(rows))


def test_detail_query_count(busy, bob, django_assert_num_queries):
    client = APIClient()
    client.force_authenticate(bob)
    Guild.objects.filter(slug="night-owls").update(weekly_watch_seconds=60)  # ranked (an unranked guild skips that query)
    with django_assert_num_queries(4):  # guild, leader and you, member count, rank
        assert client.get(f"{API}/guilds/night-owls/").status_code == 200
