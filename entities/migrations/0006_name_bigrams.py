from django.db import migrations

# The trigram index (0003) cannot serve a two-character search such as 酒楼 or 超市: pg_trgm finds
# no whole trigram in it, so PostgreSQL read the whole register (200 ms at province scale). A GIN
# index over each name's character pairs serves it (2 ms). PostgreSQL only, like 0003.
FUNCTION = """
CREATE OR REPLACE FUNCTION name_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr($1, i, 2)), '{}')
    FROM generate_series(1, char_length($1) - 1) AS i
$$
"""
INDEX = "entity_name_bigrams"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON entities_entity "
        "USING gin (name_bigrams(UPPER(name)))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute("DROP FUNCTION IF EXISTS name_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("entities", "0005_area_name_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
