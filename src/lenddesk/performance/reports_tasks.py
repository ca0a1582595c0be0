"""The job of the 1st: last month's reports, firm by firm (imported by
``performance.tasks`` so the worker registers it)."""

from celery import shared_task

from lenddesk.performance.reports import monthly_reports
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task

MODULE = "performance"


@tenant_task(own_transactions=True)
def _reports_for(*, tenant_id: int) -> int:
    return monthly_reports()


@shared_task(name="performance.monthly_reports")
def monthly_reports_task() -> int:
    """On the 1st (beat, 06:10): the reports of the month before for the firm and every
    department, in every firm with the performance module; each made once."""
    made = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None or not tenant.has_module(MODULE):
            continue
        made += _reports_for(tenant_id=tenant_id)
    return made
