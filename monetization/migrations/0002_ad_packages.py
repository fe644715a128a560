"""The seed's advertiser packages (editable in the admin afterwards)."""

from django.db import migrations

PACKAGES = [("Starter", 5_000, 500, 1), ("Growth", 20_000, 2_500, 2), ("Scale", 50_000, 8_000, 3)]


def add_packages(apps, schema_editor):
    AdPackage = apps.get_model("monetization", "AdPackage")
    for name, price_minor, impressions, position in PACKAGES:
        AdPackage.objects.get_or_create(name=name, defaults={
            "price_minor": price_minor, "currency": "usd", "impressions": impressions, "position": position,
        })


class Migration(migrations.Migration):
    dependencies = [("monetization", "0001_initial")]

    operations = [migrations.RunPython(add_packages, migrations.RunPython.noop)]
