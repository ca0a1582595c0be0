from celery import shared_task

from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task
from lenddesk.web.counters import purge_expired_counters
from lenddesk.web.idempotency import prune_idempotency_records


@tenant_task
def _prune_for(*, tenant_id: int) -> int:
    return prune_idempotency_records()


@shared_task(name="web.prune_idempotency")
def prune_idempotency() -> int:
    """Hourly: forget stored answers to idempotent commands older than a day."""
    return sum(_prune_for(tenant_id=tenant_id) for tenant_id in active_tenant_ids())


@shared_task(name="web.purge_counters")
def purge_counters() -> int:
    """Hourly: delete the database counters whose window is over."""
    return purge_expired_counters()
