"""The performance app's Celery tasks (named ``*_task``; bodies in services)."""

from celery import shared_task

from lenddesk.performance.reports_tasks import monthly_reports_task  # noqa: F401
from lenddesk.performance.services.tasks import task_reminders
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task

MODULE = "performance"


@tenant_task
def _remind_for(*, tenant_id: int) -> dict:
    return task_reminders()


@shared_task(name="performance.task_reminders")
def task_reminders_task() -> int:
    """Every 15 minutes: reminders for tasks due within a day and for overdue ones,
    each sent once, firm by firm (firms with the performance module)."""
    sent = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None or not tenant.has_module(MODULE):
            continue
        counts = _remind_for(tenant_id=tenant_id)
        sent += counts["due"] + counts["overdue"]
    return sent
