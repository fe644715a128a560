"""Languages are picked from a searchable list and shown by name (accounts/languages.py) wherever people see them."""

import pytest
from django.template import Context, Template

from accounts.forms import ProfileForm
from accounts.languages import LANGUAGE_CHOICES, language_name
from accounts.services.users import user_profile_update
from rooms.forms import RoomCreateForm
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory


def test_a_code_shows_as_its_name_and_an_unknown_code_as_itself():
    assert (language_name("es"), language_name("pt-br"), language_name("xx")) == ("Spanish", "Brazilian Portuguese", "xx")
    html = Template("{% load languages %}{{ codes|language_names }} / {{ 'ja'|language_name }}").render(
        Context({"codes": ["es", "en"]}))
    assert html == "Spanish, English / Japanese"


def test_the_choices_are_sorted_by_name_for_people_to_scan():
    names = [name for _, name in LANGUAGE_CHOICES]
    assert names == sorted(names) and len(names) > 90


@pytest.mark.parametrize("form, fields", [(ProfileForm, ["native_languages", "learning_languages"]),
                                          (RoomCreateForm, ["languages"])])
def test_the_language_fields_ask_for_the_picker_with_their_limit(form, fields):
    for name in fields:
        html = str(form()[name])
        assert "data-language-picker" in html and 'data-max="5"' in html and "multiple" in html
        assert '<option value="es">Spanish</option>' in html


@pytest.mark.django_db
def test_profiles_show_language_names_with_their_levels(client):
    owner = UserFactory(handle="lena", native_languages=["de"], learning_languages=["es", "ja"])
    user_profile_update(user=owner, learning_levels={"es": "B1"})
    client.force_login(UserFactory())
    html = client.get("/@lena").content.decode()
    assert '<li class="pill" data-language="de">German <span class="muted">· Native</span></li>' in html
    assert '<li class="pill pill-outline" data-language="es">Spanish <span class="muted">· learning · B1 · Intermediate</span></li>' in html
    assert 'data-language="ja">Japanese <span class="muted">· learning</span>' in html


@pytest.mark.django_db
def test_hallway_cards_and_room_previews_show_language_names(client):
    room = RoomFactory(name="Charla", languages=["es", "en"], is_permanent=True)  # the hallway lists it while empty
    client.force_login(UserFactory())
    hallway = client.get("/rooms/").content.decode()
    assert '<span data-field="languages">Spanish, English</span>' in hallway
    assert 'id="language-names"' in hallway  # the table hallway.js names live cards with
    assert '<select name="language" aria-label="Language" data-language-picker>' in hallway
    preview = client.get(f"/r/{room.code}/").content.decode()
    assert '<span class="pill pill-outline">Spanish</span><span class="pill pill-outline">English</span>' in preview
