"""Platform reads: tenants and their seat usage. Operators never read customer data."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from lenddesk.accounts.models import User, UserStatus
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant, TenantEvent


@dataclass(frozen=True)
class TenantRow:
    tenant: Tenant
    active_users: int


def tenant_list(*, q: str = "", status: str = "") -> QuerySet[Tenant]:
    tenants = Tenant.objects.order_by("name", "id")
    if q:
        tenants = tenants.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    if status:
        tenants = tenants.filter(status=status)
    return tenants


def active_user_count(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return User.objects.filter(status=UserStatus.ACTIVE).count()


def with_seat_usage(tenants) -> list[TenantRow]:
    """Counts run per tenant under that tenant's context (RLS allows nothing else)."""
    return [TenantRow(t, active_user_count(t)) for t in tenants]


def tenant_get(*, tenant_id: int) -> Tenant:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise Http404
    return tenant


def tenant_events(*, tenant: Tenant) -> QuerySet[TenantEvent]:
    return TenantEvent.objects.filter(tenant=tenant).select_related("operator")[:50]
