"""Order numbers: the day and a running number (20250314-0007), without gaps.

One statement takes the next number of the day: ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` (SQLite ≥ 3.35, PostgreSQL), the same shape as ``web.counters``. Two
orders opened at the same moment get two numbers; an order whose opening fails rolls
the number back with it, so the day's numbers have no holes.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from lenddesk.tenancy.context import require_current_tenant

# The table of ``OrderSequence``. In the SET list a column names the row as it was before this statement.
_NEXT = (
    'INSERT INTO "orders_ordersequence" ("tenant_id", "day", "last") '
    "VALUES (%s, %s, 1) "
    'ON CONFLICT ("tenant_id", "day") DO UPDATE '
    'SET "last" = "orders_ordersequence"."last" + 1 '
    'RETURNING "last"'
)


def next_order_number(day: dt.date | None = None) -> str:
    """The firm's next order number of ``day`` (today in the firm's time zone).
    Call inside the transaction that creates the order."""
    day = day or timezone.localdate()
    tenant = require_current_tenant()
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [tenant.pk, connection.ops.adapt_datefield_value(day)])
        last = int(cursor.fetchone()[0])
    return "%s-%04d" % (day.strftime("%Y%m%d"), last)
