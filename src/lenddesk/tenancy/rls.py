"""PostgreSQL row-level security for every tenant-owned table.

Run after every ``migrate`` (post_migrate), idempotent: ENABLE + FORCE row-level
security and one policy per table keyed on the transaction-local ``app.tenant_id``.
A query with no tenant set sees no rows and may write none (fail closed). The web and
worker role (``DB_APP_ROLE``) gets data privileges only; it must not own the tables.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connections

from lenddesk.tenancy.models import TenantModel

POLICY = "tenant_isolation"
TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"


def tenant_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if _is_tenant_table(model)
    )


def _is_tenant_table(model) -> bool:
    # Many-to-many tables between tenant models carry no tenant column; their rows are
    # reachable only through both tenant-scoped ends, so they are left to those.
    return (
        model._meta.managed and not model._meta.proxy and issubclass(model, TenantModel)
    )


def enable_rls(using: str = "default") -> list[str]:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    tables = tenant_tables()
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in tables:
            if table not in existing:
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute("ALTER TABLE %s ENABLE ROW LEVEL SECURITY" % quoted)
            cursor.execute("ALTER TABLE %s FORCE ROW LEVEL SECURITY" % quoted)
            cursor.execute(
                "SELECT 1 FROM pg_policies WHERE tablename = %s AND policyname = %s",
                [table, POLICY],
            )
            if cursor.fetchone() is None:
                cursor.execute(
                    "CREATE POLICY %s ON %s USING (tenant_id = %s) WITH CHECK "
                    "(tenant_id = %s)" % (POLICY, quoted, TENANT_EXPR, TENANT_EXPR)
                )
        _grant_app_role(cursor, connection)
    return tables


def _grant_app_role(cursor, connection) -> None:
    role = settings.DB_APP_ROLE
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone() is None:
        return
    quoted = connection.ops.quote_name(role)
    cursor.execute(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %s"
        % quoted
    )
    cursor.execute(
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %s" % quoted
    )


def rls_status(using: str = "default") -> dict[str, tuple[bool, bool]]:
    """{table: (relrowsecurity, relforcerowsecurity)} for every tenant table."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relname = ANY(%s)",
            [tenant_tables()],
        )
        return {name: (rls, force) for name, rls, force in cursor.fetchall()}
