"""The nightly return to the public pool over the whole firm."""

from __future__ import annotations

from django.db import connection

from bench.registry import workload
from bench.seed import SLUG

OVERDUE_SHARE = 0.02


@workload("reclaim", destructive=True)
def reclaim(ctx):
    """Mark 2 % of the owned customers overdue (no follow-up for 40 days), then run the
    scheduler's per-firm pool-return task over the whole table."""
    from lenddesk.customers.models import Customer
    from lenddesk.customers.services import overdue_customers
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(ctx.tenant):
        before = overdue_customers().count()
        owned = Customer.objects.filter(owner__isnull=False).count()
        wanted = max(10, int(owned * OVERDUE_SHARE))
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE customers_customer
                   SET last_followup_at = now() - interval '40 days',
                       claimed_at = now() - interval '40 days',
                       protected_until = NULL
                 WHERE id IN (
                       SELECT id FROM customers_customer
                        WHERE owner_id IS NOT NULL AND NOT is_locked
                          AND NOT has_open_business
                        ORDER BY random() LIMIT %s)
                """,
                [wanted - before if wanted > before else 0],
            )
        overdue = overdue_customers().count()
        total = Customer.objects.count()
    result = ctx.job(
        "reclaim: nightly pool return over %d customers" % total,
        "bench.jobs.reclaim",
        slug=SLUG,
    )
    returned = result.extra.get("returned") or 0
    result.extra.update(
        overdue_before=overdue,
        owned=owned,
        ms_per_customer=round(result.seconds * 1000 / returned, 2)
        if returned
        else None,
        note="%d returned (%d overdue)" % (returned, overdue),
    )
    yield result
