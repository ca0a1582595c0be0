"""The current tenant of this request, task or command.

A context variable, so threads and async tasks never see each other's tenant. On
PostgreSQL the same value is written to the transaction-local setting ``app.tenant_id``
that the row-level-security policies read.
"""

from __future__ import annotations

import contextvars
import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction

if TYPE_CHECKING:
    from lenddesk.tenancy.models import Tenant

_current_tenant: contextvars.ContextVar[Tenant | None] = contextvars.ContextVar(
    "lenddesk_tenant", default=None
)


class NoTenantContext(RuntimeError):
    """A tenant-owned table was queried with no tenant set."""


def get_current_tenant() -> Tenant | None:
    return _current_tenant.get()


def require_current_tenant() -> Tenant:
    tenant = _current_tenant.get()
    if tenant is None:
        raise NoTenantContext(
            "No tenant is set. Wrap the code in tenant_context(tenant) or use the "
            "model's all_tenants manager in platform code."
        )
    return tenant


def set_database_tenant(tenant_id: int | None) -> None:
    """Write the tenant to PostgreSQL's transaction-local setting (no-op elsewhere)."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise NoTenantContext("The PostgreSQL tenant setting needs a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true)",
            ["" if tenant_id is None else str(tenant_id)],
        )


@contextmanager
def tenant_context(tenant: Tenant) -> Iterator[Tenant]:
    """Run a block as ``tenant``: ORM filtering and, on PostgreSQL, the RLS setting.

    On PostgreSQL the block runs in a transaction (a savepoint when one is open), so the
    setting can never outlive it on a pooled connection.
    """
    token = _current_tenant.set(tenant)
    # Outermost: the setting ends with the transaction, nothing to read or restore.
    outermost = not connection.in_atomic_block
    previous = None if outermost else get_database_tenant_id()
    try:
        with transaction.atomic():
            set_database_tenant(tenant.pk)
            yield tenant
            if not outermost:
                set_database_tenant(previous)
    finally:
        _current_tenant.reset(token)


def tenant_transaction(tenant: Tenant):
    """``tenant_context(tenant)`` where no transaction is open, else nothing (the open
    one already carries the firm's setting): for database reads in code that may run
    under ``bind_tenant`` alone, such as the intake endpoint's."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return tenant_context(tenant)
    return nullcontext()


def one_trip_possible() -> bool:
    """Whether ``fetch_one_as_tenant`` can run here: PostgreSQL, with no transaction
    open by the caller."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    )


# Statements prepared on each database connection (by name), for fetch_one_as_tenant.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fetch_one_as_tenant(tenant_id: int, name: str, sql: str, params: list):
    """Run one statement as ``tenant_id`` in a transaction of its own, in one round
    trip, and return its first row (or None).

    The RLS setting and the statement go to PostgreSQL as one message, which it runs
    as one implicit transaction: on a hot endpoint (intake) this replaces four round
    trips (BEGIN, the setting, the statement, COMMIT) and the health check's fifth.
    The statement (``%s`` placeholders) is prepared once per connection under
    ``name``, so PostgreSQL plans it once: that halved its cost (unless
    DB_PREPARED_STATEMENTS is off, behind a transaction pooler). It must be safe to
    run twice: on a connection that turns out to be broken (what the health check
    would have found) it is run once more on a new one, as it is when the prepared
    statement is gone (``DISCARD ALL``). Needs ``one_trip_possible()``."""
    import psycopg

    prepared = getattr(settings, "DB_PREPARED_STATEMENTS", False)
    statement = "EXECUTE %s(%s)" % (name, ", ".join(["%s"] * len(params)))
    call = "SELECT set_config('app.tenant_id', %s, true); " + (
        statement if prepared else sql
    )
    with connection.wrap_database_errors:
        for attempt in (1, 2):
            connection.ensure_connection()
            raw = connection.connection
            try:
                if prepared:
                    _prepare(raw, name, sql)
                with psycopg.ClientCursor(raw) as cursor:
                    cursor.execute(call, [str(tenant_id), *params])
                    cursor.nextset()
                    return cursor.fetchone()
            except psycopg.errors.InvalidSqlStatementName:
                _prepared.get(raw, set()).discard(name)
                if attempt == 2:
                    raise
            except psycopg.OperationalError:
                if attempt == 2 or not (raw.broken or raw.closed):
                    raise
                connection.close()
    return None  # pragma: no cover - the loop returns or raises


def _prepare(raw, name: str, sql: str) -> None:
    names = _prepared.setdefault(raw, set())
    if name in names:
        return
    numbered = iter(range(1, sql.count("%s") + 1))
    text = re.sub(r"%s", lambda _match: "$%d" % next(numbered), sql)
    raw.execute("PREPARE %s AS %s" % (name, text))
    names.add(name)


def get_database_tenant_id() -> int | None:
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT NULLIF(current_setting('app.tenant_id', true), '')")
        value = cursor.fetchone()[0]
    return int(value) if value else None


@contextmanager
def bind_tenant(tenant: Tenant | None) -> Iterator[None]:
    """Set only the context variable; the caller owns the transaction."""
    token = _current_tenant.set(tenant)
    try:
        yield
    finally:
        _current_tenant.reset(token)
