"""The adjustment ledger is append-only in the database itself, not only in the ORM.

PostgreSQL refuses UPDATE and DELETE of a row (TRUNCATE, which test isolation uses, is a table
operation and is not affected). SQLite refuses UPDATE; its test flush deletes rows, so DELETE is
guarded by the ORM there.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION cadres_adjustment_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the adjustment ledger is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cadres_adjustment_append_only
    BEFORE UPDATE OR DELETE ON cadres_adjustment
    FOR EACH ROW EXECUTE FUNCTION cadres_adjustment_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS cadres_adjustment_append_only ON cadres_adjustment;
DROP FUNCTION IF EXISTS cadres_adjustment_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER cadres_adjustment_no_update BEFORE UPDATE ON cadres_adjustment
BEGIN SELECT RAISE(ABORT, 'the adjustment ledger is append-only (UPDATE refused)'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS cadres_adjustment_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("cadres", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
