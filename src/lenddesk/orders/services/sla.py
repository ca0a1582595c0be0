"""Time limits of steps (SLA): the due time an order gets when it enters a step, and
the job that flags orders still in a step past it and tells their handlers once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from lenddesk.audit.services import audit_record
from lenddesk.orders.models import Order, OrderStatus, WorkflowNode
from lenddesk.orders.services.events import OrderAudit
from lenddesk.orders.services.notices import notify_overdue

BATCH = 500


def due_at(node: WorkflowNode, entered: dt.datetime) -> dt.datetime | None:
    if not node.sla_hours:
        return None
    return entered + dt.timedelta(hours=node.sla_hours)


@transaction.atomic
def flag_overdue_orders(now: dt.datetime | None = None) -> int:
    """Flag the firm's open orders past their step's due time and tell their
    handlers and owner. Each flag is a conditional UPDATE: an order a concurrent run
    already flagged is neither flagged nor announced again. Returns how many."""
    now = now or timezone.now()
    due = (
        Order.objects.filter(
            status=OrderStatus.OPEN, is_overdue=False, node_due_at__lt=now
        )
        .select_related("node", "owner", "customer")
        .order_by("pk")
    )
    flagged = 0
    for order in due.iterator(chunk_size=BATCH):
        won = Order.objects.filter(
            pk=order.pk, is_overdue=False, lock_version=order.lock_version
        ).update(is_overdue=True)
        if not won:
            continue
        flagged += 1
        notify_overdue(order)
        audit_record(
            action=OrderAudit.OVERDUE,
            target=order,
            changes={"node": order.node.key, "due": order.node_due_at.isoformat()},
        )
    return flagged
