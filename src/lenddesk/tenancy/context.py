"""The current tenant of this request, task or command.

A context variable, so threads and async tasks never see each other's tenant. On
PostgreSQL the same value is written to the transaction-local setting ``app.tenant_id``
that the row-level-security policies read.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

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
