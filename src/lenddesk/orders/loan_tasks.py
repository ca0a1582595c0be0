"""The loan's Celery task: the daily after-loan run of every active firm that has
the orders module. The body is ``afterloan.afterloan_run``; this module only finds
the firms and enters each one (``orders/tasks.py`` imports it for discovery)."""

from celery import shared_task

from lenddesk.orders.afterloan import afterloan_run
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task

MODULE = "orders"


@tenant_task
def _afterloan_for(*, tenant_id: int) -> dict[str, int]:
    return afterloan_run()


@shared_task(name="orders.afterloan_remind")
def afterloan_remind_task() -> int:
    """Daily: repayment-day reminders, overdue flags and maturity to-dos, firm by
    firm, each in its own transaction."""
    done = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None or not tenant.has_module(MODULE):
            continue
        counts = _afterloan_for(tenant_id=tenant_id)
        done += sum(counts.values())
    return done
