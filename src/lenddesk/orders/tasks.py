"""The orders app's Celery tasks. Each is named ``*_task`` and calls its body from the
module whose job it is; the loan's tasks live in ``loan_tasks`` (imported here so
Celery's discovery, which reads ``tasks`` modules, finds them)."""

from celery import shared_task

from lenddesk.orders import loan_tasks  # noqa: F401 - registers the loan's tasks
from lenddesk.orders.services.sla import flag_overdue_orders
from lenddesk.orders.services.step_counts import step_counts_reconcile
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task

MODULE = "orders"


@tenant_task
def _flag_for(*, tenant_id: int) -> int:
    return flag_overdue_orders()


@shared_task(name="orders.flag_overdue")
def flag_overdue_orders_task() -> int:
    """Every 15 minutes: flag orders past their step's time limit and tell their
    handlers and owner once, firm by firm (firms with the orders module)."""
    flagged = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None or not tenant.has_module(MODULE):
            continue
        flagged += _flag_for(tenant_id=tenant_id)
    return flagged


@tenant_task
def _reconcile_for(*, tenant_id: int) -> int:
    return step_counts_reconcile()


@shared_task(name="orders.reconcile_step_counts")
def reconcile_step_counts_task() -> int:
    """Nightly: the board's kept counts per step equal the orders again."""
    off = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is not None and tenant.has_module(MODULE):
            off += _reconcile_for(tenant_id=tenant_id)
    return off
