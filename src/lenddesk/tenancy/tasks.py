"""How background jobs get their tenant: explicitly, never a "last used" one."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant, TenantStatus


def tenant_task(func: Callable) -> Callable:
    """Wrap a task body that takes ``tenant_id`` as its first keyword: it runs inside
    that tenant's context (ORM filter and, on PostgreSQL, RLS). Without a valid
    tenant it raises instead of guessing."""

    @functools.wraps(func)
    def wrapper(*args, tenant_id: int, **kwargs):
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None:
            raise Tenant.DoesNotExist("No tenant with id %s" % tenant_id)
        with tenant_context(tenant):
            return func(*args, tenant_id=tenant_id, **kwargs)

    return wrapper


def active_tenant_ids() -> Iterator[int]:
    yield from Tenant.objects.filter(status=TenantStatus.ACTIVE).values_list(
        "pk", flat=True
    )
