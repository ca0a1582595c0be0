"""Departure step (registered with accounts.handover): a leaver's running orders go
with their customers, and the orders they process go to the colleague (or the team,
in turn) the work is handed to; their place among an order's participants too.

An order's owner follows its customer: when the customers step has already given the
customer a new owner, the order goes to that person; otherwise (or when the customer
went to the public pool) to the next person of the target, else to whoever hands
over, so no running order is left without an owner.
"""

from __future__ import annotations

from collections import Counter

from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.accounts.handover import register_handover_step
from lenddesk.audit.services import audit_record
from lenddesk.customers.services.timeline import timeline
from lenddesk.notifications.services import notify
from lenddesk.orders.models import Order, OrderParticipant, OrderStatus
from lenddesk.orders.services.events import OrderAudit, OrderNotice
from lenddesk.orders.services.orders import participant_add


def hand_over_orders(*, actor, leaver, target) -> int:
    moved = 0
    received: Counter = Counter()
    people = {}
    running = (
        Order.objects.filter(status=OrderStatus.OPEN, owner=leaver)
        .select_related("customer__owner")
        .order_by("pk")
    )
    for order in running:
        heir = _owner_heir(order, target, actor)
        Order.objects.filter(pk=order.pk).update(owner=heir)
        _replace_participant(order, leaver, heir, "salesperson")
        _record(actor, order, "owner", leaver, heir)
        received[heir.pk] += 1
        people[heir.pk] = heir
        moved += 1
    processed = Order.objects.filter(
        status=OrderStatus.OPEN, processor=leaver
    ).order_by("pk")
    for order in processed.select_related("customer"):
        heir = target.next_owner()
        Order.objects.filter(pk=order.pk).update(processor=heir)
        _replace_participant(order, leaver, heir, "processor")
        _record(actor, order, "processor", leaver, heir)
        if heir is not None:
            received[heir.pk] += 1
            people[heir.pk] = heir
        moved += 1
    moved += _other_participations(leaver, target)
    _tell(received, people)
    return moved


def _owner_heir(order: Order, target, actor):
    owner = order.customer.owner
    if owner is not None and owner.pk != order.owner_id:
        return owner
    return target.next_owner() or actor


def _replace_participant(order: Order, leaver, heir, role_key: str) -> None:
    OrderParticipant.objects.filter(order=order, user=leaver).delete()
    if heir is not None:
        participant_add(order, heir.pk, role_key)


def _other_participations(leaver, target) -> int:
    """Steps the leaver handles on orders they neither own nor process (a warrant
    officer's): the place goes to the next person of the target."""
    moved = 0
    rows = OrderParticipant.objects.filter(
        user=leaver, order__status=OrderStatus.OPEN
    ).select_related("order")
    for row in rows.order_by("pk"):
        heir = target.next_owner()
        order = row.order
        row.delete()
        if heir is not None:
            participant_add(order, heir.pk, row.role_key, replace_role=False)
        moved += 1
    return moved


def _record(actor, order: Order, role: str, leaver, heir) -> None:
    timeline(
        order.customer,
        actor,
        "order",
        _("Order %(number)s handed over from %(old)s to %(new)s")
        % {"number": order.number, "old": leaver, "new": heir or "—"},
    )
    audit_record(
        actor=actor,
        action=OrderAudit.HANDED_OVER,
        target=order,
        changes={role: [leaver.pk, heir.pk if heir else None]},
    )


def _tell(received: Counter, people: dict) -> None:
    for pk, count in received.items():
        notify(
            recipients=[people[pk]],
            kind=OrderNotice.HANDED_OVER,
            title=_("%d running orders were handed over to you") % count,
            url=reverse("orders:list"),
        )


register_handover_step("orders", hand_over_orders)
