"""The custody register is append-only at the database level, like the audit log:
an original's facts and every entry about it can be added, never changed or removed."""

from django.db import migrations

TABLES = ("warrants_custodyitem", "warrants_custodyentry")


def _sqlite(table: str) -> list[str]:
    message = "%s is append-only" % table
    return [
        "CREATE TRIGGER IF NOT EXISTS %s_no_update BEFORE UPDATE ON %s "
        "BEGIN SELECT RAISE(ABORT, '%s'); END;" % (table, table, message),
        "CREATE TRIGGER IF NOT EXISTS %s_no_delete BEFORE DELETE ON %s "
        "BEGIN SELECT RAISE(ABORT, '%s'); END;" % (table, table, message),
    ]


POSTGRES_FUNCTION = """CREATE OR REPLACE FUNCTION custody_refuse_change() RETURNS trigger
AS $$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END;
$$ LANGUAGE plpgsql"""


def _postgres(table: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS %s_no_change ON %s" % (table, table),
        "CREATE TRIGGER %s_no_change BEFORE UPDATE OR DELETE ON %s "
        "FOR EACH ROW EXECUTE FUNCTION custody_refuse_change()" % (table, table),
    ]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [s for table in TABLES for s in _sqlite(table)]
    elif vendor == "postgresql":
        statements = [POSTGRES_FUNCTION] + [s for table in TABLES for s in _postgres(table)]
    else:
        statements = []
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("warrants", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
