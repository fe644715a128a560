"""The audit trail: its own low app, each app's verbs registered, the old table kept."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import TextChoices

from audit.models import AuditEvent
from audit.services import audit_record
from audit.verbs import register_verbs, verb_label
from gamification.audit_verbs import AuditVerb as GamificationVerb
from guilds.audit_verbs import AuditVerb as GuildVerb
from media_relay.audit_verbs import AuditVerb as RelayVerb
from tests.accounts.factories import UserFactory


def test_the_table_is_the_one_moderation_created():
    assert AuditEvent._meta.db_table == "moderation_auditevent"


def test_every_app_s_verbs_are_registered_under_their_stored_strings():
    for enum in (GuildVerb, GamificationVerb, RelayVerb):
        for verb in enum:
            assert verb_label(verb.value) == verb.label
    assert verb_label("guild.disbanded") == "Guild disbanded"


def test_a_verb_cannot_be_registered_twice_with_another_meaning():
    class Clash(TextChoices):
        DISBANDED = "guild.disbanded", "Something else"

    with pytest.raises(ValueError, match="registered twice"):
        register_verbs(Clash)


@pytest.mark.django_db
def test_an_unregistered_verb_is_refused_before_anything_is_written():
    class Unknown(TextChoices):
        NOPE = "nobody.registered_this", "Nope"

    user = UserFactory()
    with pytest.raises(ValidationError):
        audit_record(actor=None, verb=Unknown.NOPE, target=user)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_registered_verb_is_stored_as_its_plain_string():
    user = UserFactory()
    audit_record(actor=user, verb=GuildVerb.GUILD_DISBANDED, target=user, details={"x": 1})
    with connection.cursor() as cursor:
        cursor.execute("SELECT verb, target_type FROM moderation_auditevent")
        assert cursor.fetchall() == [("guild.disbanded", "accounts.user")]
