"""Orders per step and status, kept as they open and move (``OrderStepCount``).

One upsert statement per change, the same SQL on SQLite and PostgreSQL, on the shard
``order_id % SHARDS``: 32 moves out of one step at once mostly touch different rows.
``step_counts_reconcile`` puts any difference (orders written in bulk, a crash
between a bulk write and its counts) right by adding it, so it can run while orders
move.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Sum

from lenddesk.orders.models import Order, OrderStepCount
from lenddesk.tenancy.context import require_current_tenant

# the table is ``OrderStepCount._meta.db_table`` (a test keeps them equal)
_UPSERT = (
    'INSERT INTO "orders_orderstepcount" '
    '("tenant_id", "node_id", "status", "shard", "n") VALUES (%s, %s, %s, %s, %s) '
    'ON CONFLICT ("tenant_id", "node_id", "status", "shard") '
    'DO UPDATE SET "n" = "orders_orderstepcount"."n" + excluded."n"'
)


def step_count_add(*, node_id: int, status: str, delta: int, order_id: int = 0):
    tenant = require_current_tenant()
    shard = order_id % OrderStepCount.SHARDS
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [tenant.pk, node_id, status, shard, delta])


def step_count_moved(*, order_id: int, before: tuple, after: tuple) -> None:
    """An order went from (node id, status) ``before`` to ``after``."""
    if before == after:
        return
    step_count_add(node_id=before[0], status=before[1], delta=-1, order_id=order_id)
    step_count_add(node_id=after[0], status=after[1], delta=1, order_id=order_id)


def step_counts(node_ids) -> dict[tuple[int, str], int]:
    """(node id, status) → orders, for these steps."""
    rows = (
        OrderStepCount.objects.filter(node_id__in=list(node_ids))
        .values("node_id", "status")
        .annotate(n=Sum("n"))
    )
    return {(row["node_id"], row["status"]): row["n"] for row in rows}


def step_counts_reconcile() -> int:
    """Make the kept counts equal to the orders of the current firm; returns how
    many (step, status) pairs were off."""
    actual = {
        (row["node_id"], row["status"]): row["n"]
        for row in Order.objects.order_by()
        .values("node_id", "status")
        .annotate(n=Count("*"))
    }
    kept = step_counts(
        OrderStepCount.objects.values_list("node_id", flat=True).distinct()
    )
    off = 0
    for key in set(actual) | set(kept):
        difference = actual.get(key, 0) - kept.get(key, 0)
        if difference:
            step_count_add(node_id=key[0], status=key[1], delta=difference)
            off += 1
    return off
