from celery import shared_task

from lenddesk.customers.services import (
    reclaim_overdue,
    remind_due_followups,
    warn_before_return,
)
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task


@tenant_task
def _pool_housekeeping_for(*, tenant_id: int) -> tuple[int, int]:
    return warn_before_return(), 0


@tenant_task
def _reclaim_for(*, tenant_id: int) -> int:
    return reclaim_overdue()


@shared_task(name="customers.pool_return")
def pool_return() -> int:
    """Nightly: warn owners of customers about to return, then return the overdue ones
    to the public pool (掉公海). Each firm runs under its own tenant context."""
    returned = 0
    for tenant_id in active_tenant_ids():
        _pool_housekeeping_for(tenant_id=tenant_id)
        returned += _reclaim_for(tenant_id=tenant_id)
    return returned


@tenant_task
def _remind_for(*, tenant_id: int) -> int:
    return remind_due_followups()


@shared_task(name="customers.followup_reminders")
def followup_reminders() -> int:
    """Every few minutes: in-app reminders of follow-ups about to fall due."""
    return sum(_remind_for(tenant_id=t) for t in active_tenant_ids())


@shared_task(name="customers.import_run", acks_late=True, reject_on_worker_lost=True)
def import_run(*, tenant_id: int, job_id: int) -> int:
    """Run (or resume) an import; redelivery after a crash continues where it stopped.
    Only the context variable is bound here: the import opens one transaction (and
    tenant setting) per batch itself."""
    from lenddesk.customers.imports import import_run as run
    from lenddesk.tenancy.context import bind_tenant
    from lenddesk.tenancy.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    with bind_tenant(tenant):
        return run(job_id=job_id).created_count


@shared_task(name="customers.tag_everyone")
def tag_everyone(*, tenant_id: int) -> int:
    from lenddesk.customers.services import apply_tag_rules_everywhere
    from lenddesk.tenancy.context import bind_tenant
    from lenddesk.tenancy.models import Tenant

    with bind_tenant(Tenant.objects.get(pk=tenant_id)):
        return apply_tag_rules_everywhere()


@shared_task(name="customers.export_run", acks_late=True, reject_on_worker_lost=True)
def export_run(*, tenant_id: int, job_id: int) -> int:
    from lenddesk.customers.exports import export_run as run

    return _export_for(tenant_id=tenant_id, job_id=job_id, run=run)


@tenant_task
def _export_for(*, tenant_id: int, job_id: int, run) -> int:
    return run(job_id=job_id).rows
