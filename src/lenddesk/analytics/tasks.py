"""The analytics app's Celery tasks (named ``*_task``; the work is
``analytics.refresh.refresh_facts``): the rollups of today and yesterday every few
minutes, the last weeks every night, firm by firm (firms with the analytics module)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from lenddesk.analytics.refresh import refresh_facts
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task

MODULE = "analytics"
NIGHTLY_DAYS = 40


@tenant_task(own_transactions=True)
def _refresh_for(*, tenant_id: int, days: int) -> int:
    today = timezone.localdate()
    return refresh_facts(today - dt.timedelta(days=days - 1), today)


def _each_firm(days: int) -> int:
    written = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None or not tenant.has_module(MODULE):
            continue
        written += _refresh_for(tenant_id=tenant_id, days=days)
    return written


@shared_task(name="analytics.refresh_recent")
def refresh_recent_task() -> int:
    """Every five minutes: today's and yesterday's facts (a late entry, a day's
    last minutes), so a dashboard is at most a few minutes behind."""
    return _each_firm(2)


@shared_task(name="analytics.refresh_nightly")
def refresh_nightly_task() -> int:
    """At night: the last 40 days, for what changed later (a reassigned owner, a
    cancelled order, spend entered for last month)."""
    return _each_firm(NIGHTLY_DAYS)
