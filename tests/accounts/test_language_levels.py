"""Proficiency levels: languages one speaks are native, languages one learns have a CEFR level (A1–C2),
stored in accounts.LanguageLevel under database constraints, edited with the picker and over the API."""

import json

import pytest
from django.db import IntegrityError, transaction

from accounts.errors import AccountError
from accounts.forms import ProfileForm
from accounts.models import LanguageLevel
from accounts.selectors import language_levels, language_profile
from accounts.services.users import user_profile_update
from config.errors import ApplicationError
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_levels_are_set_for_learning_languages_and_follow_the_learning_list():
    user = UserFactory(native_languages=["en"], learning_languages=[])
    user_profile_update(user=user, learning_languages=["es", "ja"], learning_levels={"es": "B2", "ja": "A1"})
    assert language_levels(user=user) == {"es": "B2", "ja": "A1"}
    user_profile_update(user=user, learning_levels={"ja": "A2"})  # one level changes, the others stay
    assert language_levels(user=user) == {"es": "B2", "ja": "A2"}
    user_profile_update(user=user, learning_languages=["ja"])  # Spanish dropped: its level goes
    assert language_levels(user=user) == {"ja": "A2"}
    assert [(row["code"], row["level"]) for row in language_profile(user=user)] == [("en", "native"), ("ja", "A2")]


@pytest.mark.parametrize("levels", [{"es": "B3"}, {"es": "native"}, {"fr": "A1"}, {"es": ""}])
def test_a_bad_level_or_a_level_for_a_language_not_learned_is_refused(levels):
    user = UserFactory(native_languages=["en"], learning_languages=["es"])
    with pytest.raises(ApplicationError) as caught:
        user_profile_update(user=user, learning_levels=levels)
    assert caught.value.code == AccountError.LANGUAGE_LEVEL_INVALID
    assert not LanguageLevel.objects.filter(user=user).exists()


def test_the_database_refuses_a_level_outside_cefr_and_a_second_level_for_a_language():
    user = UserFactory()
    LanguageLevel.objects.create(user=user, language="es", level="B1")
    with pytest.raises(IntegrityError), transaction.atomic():
        LanguageLevel.objects.create(user=user, language="es", level="B2")
    with pytest.raises(IntegrityError), transaction.atomic():
        LanguageLevel.objects.create(user=user, language="fr", level="D1")
    with pytest.raises(IntegrityError), transaction.atomic():
        LanguageLevel.objects.create(user=user, language="", level="A1")


def test_the_picker_gets_a_level_select_per_learning_language_and_posts_levels():
    form = ProfileForm(levels={"es": "B1"})
    html = str(form["learning_languages"])
    assert 'data-level-name="learning_level_"' in html and "B1 · Intermediate" in html
    assert json.loads(form.fields["learning_languages"].widget.attrs["data-level-values"]) == {"es": "B1"}
    assert "data-levels" not in str(form["native_languages"])


def test_the_settings_page_saves_the_levels_chosen_in_the_picker(client):
    user = UserFactory(native_languages=["en"])
    client.force_login(user)
    response = client.post("/settings/", {
        "action": "profile", "display_name": "Ann", "bio": "", "native_languages": ["en"],
        "learning_languages": ["es", "fr"], "learning_level_es": "C1", "learning_level_fr": "", "timezone_name": "UTC",
    })
    assert response.status_code == 302
    assert language_levels(user=user) == {"es": "C1"}
    page = client.get("/settings/").content.decode()
    assert 'data-level-values="{&quot;es&quot;: &quot;C1&quot;}"' in page


def test_the_api_reads_and_writes_levels_and_refuses_a_bad_one(client):
    user = UserFactory(native_languages=["en"], learning_languages=["es"])
    client.force_login(user)
    ok = client.patch("/api/v1/me/", {"learning_levels": {"es": "B2"}}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["learning_levels"] == {"es": "B2"}
    bad = client.patch("/api/v1/me/", {"learning_levels": {"es": "Z9"}}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "language_level_invalid"
    profile = client.get(f"/api/v1/users/{user.handle}/").json()
    assert profile["languages"] == [
        {"code": "en", "name": "English", "level": "native", "level_name": "Native", "is_native": True},
        {"code": "es", "name": "Spanish", "level": "B2", "level_name": "learning · B2 · Upper intermediate", "is_native": False},
    ]
