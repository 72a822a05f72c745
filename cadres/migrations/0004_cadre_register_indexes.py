# Indexes behind the filters of the cadre register (/cadres/).

from django.db import migrations, models

# Name search is a substring match (LIKE '%…%'); on PostgreSQL a pg_trgm GIN index serves it.
# SQLite (laptops, tests) has no such index type and needs none at that size.
TRIGRAM_INDEX = "cadre_name_trgm"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON cadres_cadre USING gin (name gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other apps' indexes may use it.
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("baobao", "0003_user_manager"),
        ("cadres", "0003_commitment_scan_validator"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="cadre",
            index=models.Index(
                fields=["phone"], name="cadre_phone_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="cadre",
            index=models.Index(fields=["commitment_signed_on"], name="cadre_commitment_signed"),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
