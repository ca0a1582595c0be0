"""How background jobs get their tenant: explicitly, never a "last used" one."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

from lenddesk.tenancy.context import bind_tenant, tenant_context
from lenddesk.tenancy.models import Tenant, TenantStatus


def tenant_task(func: Callable | None = None, *, own_transactions: bool = False):
    """Wrap a task body that takes ``tenant_id`` as its first keyword: it runs inside
    that tenant's context. Without a valid tenant it raises instead of guessing.

    By default the whole body is one transaction with the firm's RLS setting
    (``tenant_context``). A long job that commits batch by batch (an import, an
    export, a reverse match) says ``@tenant_task(own_transactions=True)``: only the
    firm is bound, and each of its ``tenant_context`` blocks is a transaction."""

    def decorate(body: Callable) -> Callable:
        @functools.wraps(body)
        def wrapper(*args, tenant_id: int, **kwargs):
            tenant = Tenant.objects.filter(pk=tenant_id).first()
            if tenant is None:
                raise Tenant.DoesNotExist("No tenant with id %s" % tenant_id)
            scope = bind_tenant if own_transactions else tenant_context
            with scope(tenant):
                return body(*args, tenant_id=tenant_id, **kwargs)

        return wrapper

    return decorate(func) if func is not None else decorate


def active_tenant_ids() -> Iterator[int]:
    yield from Tenant.objects.filter(status=TenantStatus.ACTIVE).values_list(
        "pk", flat=True
    )
