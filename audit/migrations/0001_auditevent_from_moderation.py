# AuditEvent moves here from moderation without moving a row: this migration only tells
# Django's state that audit owns the table moderation created (moderation_auditevent); the
# verb keeps no choices (each app registers its verbs, audit.verbs).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("moderation", "0003_recording_verbs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("verb", models.CharField(help_text="One of the verbs the apps register (audit.verbs).", max_length=40)),
                        ("target_type", models.CharField(help_text="app_label.model", max_length=40)),
                        ("target_id", models.CharField(max_length=40)),
                        ("target_repr", models.CharField(max_length=200)),
                        ("details", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor", models.ForeignKey(blank=True, help_text="Empty when the platform acted (e.g. the weekly reset).", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "moderation_auditevent",
                        "ordering": ["-id"],
                        "indexes": [
                            models.Index(fields=["target_type", "target_id"], name="moderation__target__d07e22_idx"),
                            models.Index(fields=["verb", "created_at"], name="moderation__verb_18510c_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
