"""The first wall: tenant-owned models can only be read inside a tenant context."""

import pytest
from django.db import connection

from lenddesk.accounts.models import Role, User
from lenddesk.audit.models import AuditEvent
from lenddesk.tenancy.context import NoTenantContext, tenant_context
from lenddesk.tenancy.rls import rls_status, tenant_tables
from tests.factories import make_user


def test_query_without_tenant_raises(tenant_a):
    with pytest.raises(NoTenantContext):
        list(User.objects.all())
    with pytest.raises(NoTenantContext):
        Role.objects.count()


def test_queries_see_only_the_current_tenant(tenant_a, tenant_b):
    make_user(tenant_a, "only-in-a")
    with tenant_context(tenant_a):
        names_a = set(User.objects.values_list("username", flat=True))
        assert "only-in-a" in names_a
        assert User.objects.filter(tenant=tenant_b).count() == 0
    with tenant_context(tenant_b):
        assert not User.objects.filter(username="only-in-a").exists()
        assert set(User.objects.values_list("tenant_id", flat=True)) == {tenant_b.pk}


def test_new_rows_take_the_current_tenant(tenant_a):
    with tenant_context(tenant_a):
        role = Role.objects.create(key="custom", name="自定义")
    assert role.tenant_id == tenant_a.pk


def test_all_tenants_manager_skips_only_the_orm_filter(tenant_a, tenant_b):
    tenants = set(User.all_tenants.values_list("tenant_id", flat=True))
    if connection.vendor == "postgresql":
        # Row-level security is the second wall: no tenant set, no rows.
        assert tenants == set()
        with tenant_context(tenant_b):
            assert set(User.all_tenants.values_list("tenant_id", flat=True)) == {
                tenant_b.pk
            }
    else:
        assert tenants == {tenant_a.pk, tenant_b.pk}


def _as_app_role(cursor):
    from django.conf import settings

    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [settings.DB_APP_ROLE])
    assert cursor.fetchone(), (
        "The PostgreSQL role %s must exist (see .ci/run)" % settings.DB_APP_ROLE
    )
    cursor.execute(
        "SET LOCAL ROLE %s" % connection.ops.quote_name(settings.DB_APP_ROLE)
    )


@pytest.mark.postgres
def test_rls_raw_sql_sees_only_the_tenant_set(tenant_a, tenant_b):
    make_user(tenant_a, "a-extra")
    with tenant_context(tenant_a):
        expected_a = User.objects.count()
    with connection.cursor() as cursor:
        _as_app_role(cursor)
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true)", [str(tenant_a.pk)]
        )
        cursor.execute("SELECT count(*), count(DISTINCT tenant_id) FROM accounts_user")
        assert cursor.fetchone() == (expected_a, 1)
        cursor.execute("SELECT DISTINCT tenant_id FROM audit_auditevent")
        assert [r[0] for r in cursor.fetchall()] == [tenant_a.pk]

        cursor.execute("SELECT set_config('app.tenant_id', '', true)")
        cursor.execute("SELECT count(*) FROM accounts_user")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        assert cursor.fetchone()[0] == 0
        cursor.execute("RESET ROLE")


@pytest.mark.postgres
def test_rls_refuses_writing_another_tenants_row(tenant_a, tenant_b):
    from django.db import DatabaseError, transaction

    with (
        pytest.raises(DatabaseError, match="row-level security"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _as_app_role(cursor)
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true)", [str(tenant_a.pk)]
        )
        cursor.execute(
            "INSERT INTO accounts_role (tenant_id, key, name, description, codes, "
            "data_scope, is_system, created_at, updated_at) VALUES "
            "(%s, 'x', 'x', '', '[]', 'self', false, now(), now())",
            [tenant_b.pk],
        )


@pytest.mark.postgres
def test_every_tenant_table_has_forced_rls(db):
    status = rls_status()
    assert set(status) == set(tenant_tables())
    assert {"accounts_user", "accounts_role", "audit_auditevent"} <= set(status)
    assert all(rls and force for rls, force in status.values()), status


@pytest.mark.postgres
def test_app_role_is_not_owner_or_superuser(db):
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
            [settings.DB_APP_ROLE],
        )
        assert cursor.fetchone() == (False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
            [settings.DB_APP_ROLE],
        )
        assert cursor.fetchone()[0] == 0


def test_audit_rows_are_append_only(tenant_a):
    from django.db import DatabaseError, transaction

    with tenant_context(tenant_a):
        assert AuditEvent.objects.exists()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.update(reason="edited")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.all().delete()
