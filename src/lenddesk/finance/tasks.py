"""The finance app's Celery tasks (named ``*_task``; bodies in ``services``)."""

from celery import shared_task

from lenddesk.finance.services.receivables import receivables_sync
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task

MODULE = "finance"


@tenant_task
def _sync_for(*, tenant_id: int) -> int:
    return receivables_sync()


@shared_task(name="finance.receivables_sync")
def receivables_sync_task() -> int:
    """Daily (and as a backfill): the fee of every disbursed order that has none yet,
    firm by firm (firms with the finance module). Idempotent: one per order."""
    made = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None or not tenant.has_module(MODULE):
            continue
        made += _sync_for(tenant_id=tenant_id)
    return made
