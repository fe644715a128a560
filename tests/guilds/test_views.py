"""Website pages: the guild list and search, founding a guild, a guild's page for each kind of
visitor, the leader's settings forms, and the guild on a user's profile."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from audit.models import AuditEvent
from guilds.audit_verbs import AuditVerb
from guilds.models import Guild, GuildInvite, GuildJoinRequest, GuildMember, GuildMessage, GuildRole
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory

from .factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 120, 10)).save(out, format="PNG")
    return SimpleUploadedFile("g.png", out.getvalue(), content_type="image/png")


def test_pages_need_a_signed_in_user(guild):
    for url in ("/guilds/", "/guilds/new/", "/guilds/night-owls/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_browses_and_searches(guild, bob):
    GuildFactory(name="Anime Club", description="Subs only")
    GuildInvite.objects.create(guild=guild, invited_user=bob, invited_by=guild.created_by)
    client = signed_in(bob)
    page = client.get("/guilds/").content.decode()
    assert "Night Owls" in page and "Anime Club" in page
    assert "Waiting for you" in page and "/api/v1/guild-invites/" in page
    assert "Found a guild" in page
    searched = client.get("/guilds/?q=subs").content.decode()
    assert "Anime Club" in searched and 'class="card guild-card" href="/guilds/night-owls/"' not in searched
    assert "No guild matches" in client.get("/guilds/?q=zzz").content.decode()


def test_founding_from_the_website(bob):
    client = signed_in(bob)
    assert client.get("/guilds/new/").status_code == 200
    response = client.post("/guilds/new/", {"name": "Film Buffs", "description": "Classics", "is_public": "on",
                                            "avatar": png_upload()})
    assert response.status_code == 302 and response["Location"] == "/guilds/film-buffs/"
    guild = Guild.objects.get()
    assert guild.avatar.name.endswith(".webp") and guild.is_public
    assert GuildMember.objects.get().role == GuildRole.LEADER


def test_founding_errors_are_shown_on_the_form(guild, alice, bob):
    page = signed_in(bob).post("/guilds/new/", {"name": "night owls"}).content.decode()
    assert "already exists" in page
    page = signed_in(alice).post("/guilds/new/", {"name": "Another"}).content.decode()
    assert "already in a guild" in page


def test_an_outsider_sees_the_guild_and_can_join(guild, alice, bob):
    GuildMessage.objects.create(guild=guild, author=alice, body="secret plans")
    RoomFactory(guild=guild, created_by=alice, name="Hidden room")
    page = signed_in(bob).get("/guilds/night-owls/").content.decode()
    assert "Night Owls" in page and "Rank this week" in page and "@alice" in page
    assert 'id="guild-join"' in page
    assert "secret plans" not in page and "Hidden room" not in page and 'id="chat-form"' not in page
    assert "Members only" in page


def test_an_invite_only_guild_offers_to_ask_then_shows_the_request(guild, bob):
    Guild.objects.filter(pk=guild.pk).update(is_public=False)
    client = signed_in(bob)
    assert 'id="guild-ask"' in client.get("/guilds/night-owls/").content.decode()
    GuildJoinRequest.objects.create(guild=guild, user=bob)
    assert "Withdraw request" in client.get("/guilds/night-owls/").content.decode()


def test_a_member_sees_chat_rooms_and_no_officer_tools(guild, alice, bob):
    add_member(guild, bob)
    GuildMessage.objects.create(guild=guild, author=alice, body="hello <b>owls</b>")
    RoomFactory(guild=guild, created_by=alice, name="Friday horror")
    page = signed_in(bob).get("/guilds/night-owls/").content.decode()
    assert 'id="chat-form"' in page and "hello &lt;b&gt;owls&lt;/b&gt;" in page
    assert "Friday horror" in page
    assert "Leave guild" in page
    assert 'id="guild-invite-form"' not in page and 'id="guild-room-form"' not in page and "Make officer" not in page


def test_officers_see_requests_invites_and_kick_for_members_only(guild, alice, bob, carol):
    Guild.objects.filter(pk=guild.pk).update(is_public=False)
    add_member(guild, bob, role=GuildRole.OFFICER)
    add_member(guild, carol)
    GuildJoinRequest.objects.create(guild=guild, user=UserFactory(handle="asker"))
    page = signed_in(bob).get("/guilds/night-owls/").content.decode()
    assert "Requests to join" in page and "asker" in page
    assert 'id="guild-invite-form"' in page and 'id="guild-room-form"' in page
    assert "/members/carol/kick/" in page and "/members/alice/kick/" not in page
    assert "Make officer" not in page and "Save settings" not in page


def test_the_leader_sees_every_tool(guild, alice, bob):
    add_member(guild, bob)
    page = signed_in(alice).get("/guilds/night-owls/").content.decode()
    assert "Make officer" in page and "Make leader" in page and "/members/bob/kick/" in page
    assert 'id="guild-disband"' in page and "Save settings" in page and "Leave guild" not in page


def test_a_missing_guild(bob):
    response = signed_in(bob).get("/guilds/gone/")
    assert response.status_code == 404 and b"No such guild" in response.content


def test_the_leader_saves_settings_and_avatar(guild, alice, bob):
    client = signed_in(alice)
    response = client.post("/guilds/night-owls/settings/", {"name": "Night Owls", "description": "Updated",
                                                           "max_members": 8})
    assert response.status_code == 302
    guild.refresh_from_db()
    assert (guild.description, guild.is_public, guild.max_members) == ("Updated", False, 8)
    client.post("/guilds/night-owls/settings/", {"avatar": png_upload()})
    guild.refresh_from_db()
    assert guild.avatar.name.endswith(".webp")
    add_member(guild, bob)
    member = signed_in(bob)
    member.post("/guilds/night-owls/settings/", {"name": "Hijacked", "max_members": 8})
    guild.refresh_from_db()
    assert guild.name == "Night Owls"
    assert "Only the guild leader" in member.get("/guilds/night-owls/").content.decode()


def test_a_profile_shows_the_users_guild(guild, alice, bob):
    page = signed_in(bob).get("/@alice").content.decode()
    assert "/guilds/night-owls/" in page and "Night Owls" in page
    assert "profile-guild" not in signed_in(alice).get("/@bob").content.decode()


def test_the_nav_links_to_guilds(bob):
    assert 'href="/guilds/"' in signed_in(bob).get("/guilds/").content.decode()


def test_the_back_office_lists_refreshes_and_disbands(guild, alice):
    client = signed_in(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/guilds/guild/", f"/admin/guilds/guild/{guild.pk}/change/", "/admin/guilds/guildmember/",
                "/admin/guilds/guildmessage/", "/admin/guilds/guildactivity/", "/admin/guilds/guildinvite/",
                "/admin/guilds/guildjoinrequest/", "/admin/guilds/guildban/"):
        assert client.get(url).status_code == 200, url
    client.post("/admin/guilds/guild/", {"action": "refresh_watch_hours", "_selected_action": [guild.pk]})
    client.post("/admin/guilds/guild/", {"action": "disband_guilds", "_selected_action": [guild.pk]})
    assert not Guild.objects.exists()
    assert AuditEvent.objects.get(verb=AuditVerb.GUILD_DISBANDED).details["by_staff"] is True
