"""The member list's menu is the kick and role rules as data (guilds.selectors.member_menu)."""

import pytest

from config.errors import ApplicationError
from guilds.models import GuildRole
from guilds.selectors import member_menu
from guilds.services.membership import guild_member_kick

from .factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db

ROLES = (GuildRole.LEADER, GuildRole.OFFICER, GuildRole.MEMBER)


@pytest.fixture
def ranks():
    guild = GuildFactory(leader=False)
    by_role = {role: add_member(guild, role=role) for role in ROLES}
    by_role["other member"] = add_member(guild)
    return guild, by_role


MENUS = {  # (viewer, member) -> (can_kick, can_set_role, can_transfer)
    (GuildRole.LEADER, GuildRole.LEADER): (False, False, False),
    (GuildRole.LEADER, GuildRole.OFFICER): (True, True, True),
    (GuildRole.LEADER, GuildRole.MEMBER): (True, True, True),
    (GuildRole.OFFICER, GuildRole.LEADER): (False, False, False),
    (GuildRole.OFFICER, GuildRole.OFFICER): (False, False, False),
    (GuildRole.OFFICER, GuildRole.MEMBER): (True, False, False),
    (GuildRole.MEMBER, GuildRole.LEADER): (False, False, False),
    (GuildRole.MEMBER, GuildRole.OFFICER): (False, False, False),
    (GuildRole.MEMBER, "other member"): (False, False, False),
}


@pytest.mark.parametrize("viewer, target", list(MENUS))
def test_the_menu_offers_what_the_service_allows(ranks, viewer, target):
    guild, by_role = ranks
    menu = member_menu(me=by_role[viewer], member=by_role[target])
    assert (menu["can_kick"], menu["can_set_role"], menu["can_transfer"]) == MENUS[(viewer, target)]

    # the kick service agrees with the menu
    try:
        guild_member_kick(actor=by_role[viewer].user, guild=guild, target=by_role[target].user)
        kicked = True
    except ApplicationError:
        kicked = False
    assert kicked == menu["can_kick"]


def test_a_visitor_gets_no_menu(ranks):
    _, by_role = ranks
    assert member_menu(me=None, member=by_role[GuildRole.MEMBER]) == {
        "can_kick": False, "can_set_role": False, "can_transfer": False}
