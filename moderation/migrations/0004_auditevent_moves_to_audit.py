# AuditEvent now belongs to audit/ (audit.0001): forget it here, keep its table and rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0003_recording_verbs"),
        ("audit", "0001_auditevent_from_moderation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
