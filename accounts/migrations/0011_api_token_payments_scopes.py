"""Personal tokens that held every scope keep holding every scope now that payments:read and payments:write exist
(TokenScopes lets a token with every scope make the writes no scope names: the owner's own script)."""

from django.db import migrations

BEFORE = {"read", "chat:write", "rooms:write", "follows:write", "stream:manage", "clips:write", "webhooks"}
ADDED = ("payments:read", "payments:write")


def grant_new_scopes(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.only("pk", "scope").iterator():
        granted = set(token.scope.split())
        if granted >= BEFORE:
            token.scope = " ".join(sorted(granted | set(ADDED)))
            token.save(update_fields=["scope"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_api_token_scope")]

    operations = [migrations.RunPython(grant_new_scopes, migrations.RunPython.noop)]
