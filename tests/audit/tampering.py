"""Helpers that act as a privileged database user who bypasses the append-only walls."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from django.apps import apps as django_apps
from django.db import connection

from lenddesk.audit.models import AuditChainHead, AuditEvent
from lenddesk.audit.services import compute_hash
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant

APPEND_ONLY = importlib.import_module("lenddesk.audit.migrations.0002_append_only")
CHAIN_KEY = importlib.import_module("lenddesk.audit.migrations.0004_chain_key")
PG = "postgresql"


@contextmanager
def triggers_off() -> Iterator[None]:
    """Drop (SQLite) or disable (PostgreSQL, as the table owner) the append-only
    triggers, and put them back afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == PG:
            # ALTER TABLE refuses while deferred foreign-key checks of rows inserted
            # earlier in this transaction are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_change"
            )
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == PG:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_change"
                )
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for statement in APPEND_ONLY.SQLITE:
                    cursor.execute(statement)


@contextmanager
def raw_cursor_as(tenant: Tenant):
    """A cursor that row-level security lets see ``tenant``'s rows (PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == PG:
            cursor.execute(
                "SELECT set_config('app.tenant_id', %s, true)", [str(tenant.pk)]
            )
        try:
            yield cursor
        finally:
            if connection.vendor == PG:
                cursor.execute("SELECT set_config('app.tenant_id', '', true)")


def tamper(tenant: Tenant, *statements: tuple[str, list]) -> None:
    """Run raw SQL on the audit table with the triggers bypassed."""
    with triggers_off(), raw_cursor_as(tenant) as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def edit_reason(tenant: Tenant, seq: int, reason: str = "edited later") -> None:
    tamper(
        tenant,
        (
            "UPDATE audit_auditevent SET reason = %s WHERE tenant_id = %s AND seq = %s",
            [reason, tenant.pk, seq],
        ),
    )


def delete_row(tenant: Tenant, seq: int) -> None:
    tamper(
        tenant,
        (
            "DELETE FROM audit_auditevent WHERE tenant_id = %s AND seq = %s",
            [tenant.pk, seq],
        ),
    )


def swap_seq(tenant: Tenant, first: int, second: int) -> None:
    where = "WHERE tenant_id = %s AND seq = %s"
    tamper(
        tenant,
        ("UPDATE audit_auditevent SET seq = 0 " + where, [tenant.pk, first]),
        ("UPDATE audit_auditevent SET seq = %s " + where, [first, tenant.pk, second]),
        ("UPDATE audit_auditevent SET seq = %s " + where, [second, tenant.pk, 0]),
    )


def rehash_from(tenant: Tenant, seq: int, *, keyed: bool = True) -> None:
    """After an edit, recompute every hash from ``seq`` onwards and move the head.
    With the chain key (``keyed``) only an external anchor catches it; without it
    (an attacker with database access only, re-hashing with plain SHA-256) the
    chain's own verification does."""
    with tenant_context(tenant):
        events = list(AuditEvent.objects.order_by("seq"))
    prev = events[seq - 2].row_hash if seq > 1 else "0" * 64
    statements = []
    for event in events[seq - 1 :]:
        event.prev_hash = prev
        event.row_hash = compute_hash(event, keyed=keyed)
        prev = event.row_hash
        statements.append(
            (
                "UPDATE audit_auditevent SET prev_hash = %s, row_hash = %s "
                "WHERE tenant_id = %s AND seq = %s",
                [event.prev_hash, event.row_hash, tenant.pk, event.seq],
            )
        )
    tamper(tenant, *statements)
    with tenant_context(tenant):
        AuditChainHead.objects.update(seq=events[-1].seq, last_hash=prev)


def move_cutover(tenant: Tenant, legacy_seq: int) -> None:
    """Mark rows up to ``legacy_seq`` as written before the chain was keyed, keeping
    the stored seal (the downgrade an attacker without the key would try)."""
    with tenant_context(tenant):
        AuditChainHead.objects.update(legacy_seq=legacy_seq)


def make_legacy_chain(tenant: Tenant) -> int:
    """The chain as it was before the key existed (plain SHA-256 throughout), cut over
    by the real migration: what an upgraded installation holds."""
    rehash_from(tenant, 1, keyed=False)
    with tenant_context(tenant):
        AuditChainHead.objects.update(legacy_seq=0, legacy_seal="")
        seq = AuditChainHead.objects.get().seq
    # The migration uses only the schema editor's connection.
    CHAIN_KEY.seal_existing_chains(django_apps, SimpleNamespace(connection=connection))
    return seq


def sqlite_triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'audit_auditevent'"
        )
        return {row[0] for row in cursor.fetchall()}
