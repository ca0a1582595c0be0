"""The warrant centre's Celery tasks, named ``*_task``; the work is in the services."""

from celery import shared_task

from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task
from lenddesk.warrants.services.overdue import notify_overdue_checkouts


@tenant_task
def _flag_overdue_for(*, tenant_id: int) -> int:
    return notify_overdue_checkouts()


@shared_task(name="warrants.flag_overdue_checkouts")
def flag_overdue_checkouts_task() -> int:
    """Daily: tell whoever has an original past its due-back time, and the firm's
    warrant officers. Each firm runs under its own tenant context."""
    return sum(_flag_overdue_for(tenant_id=t) for t in active_tenant_ids())
