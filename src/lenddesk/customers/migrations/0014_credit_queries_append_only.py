"""Credit-query records are append-only at the database level, like the audit log:
a look at a credit report, once recorded, can never be changed or removed."""

from django.db import migrations

TABLE = "customers_creditqueryrecord"
MESSAGE = "%s is append-only" % TABLE

SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS %s_no_update BEFORE UPDATE ON %s "
    "BEGIN SELECT RAISE(ABORT, '%s'); END;" % (TABLE, TABLE, MESSAGE),
    "CREATE TRIGGER IF NOT EXISTS %s_no_delete BEFORE DELETE ON %s "
    "BEGIN SELECT RAISE(ABORT, '%s'); END;" % (TABLE, TABLE, MESSAGE),
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION credit_query_refuse_change() RETURNS trigger
AS $$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END;
$$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS %s_no_change ON %s" % (TABLE, TABLE),
    "CREATE TRIGGER %s_no_change BEFORE UPDATE OR DELETE ON %s "
    "FOR EACH ROW EXECUTE FUNCTION credit_query_refuse_change()" % (TABLE, TABLE),
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0013_credit_records")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
