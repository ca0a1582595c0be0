"""Who hears about an order (业务协同): the handlers of the step it arrived at and its
owner, in-app, inside the mover's transaction (a refused move leaves no message)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User, UserStatus
from lenddesk.notifications.services import notify
from lenddesk.orders.models import Order, OrderParticipant, WorkflowNode
from lenddesk.orders.services.events import OrderNotice

# When nobody on the order holds a step's role (a warrant officer not yet named),
# the people with that role who can open the order hear of it (a firm has a handful).
ROLE_FALLBACK_LIMIT = 20


def node_handlers(order: Order, node: WorkflowNode) -> list[User]:
    """The people who handle ``node`` of ``order``: the order's participants with
    the node's role (the processor for a processor's step, the owner for a
    salesperson's), else the active staff holding that role whose data scope lets
    them open the order (a link to a page that answers 404 helps nobody)."""
    role = node.role_key
    if not role:
        return []
    named = set()
    if role == "processor" and order.processor_id:
        named.add(order.processor_id)
    if role == "salesperson":
        named.add(order.owner_id)
    handling = OrderParticipant.objects.filter(order=order, role_key=role)
    people = list(  # one read: the named people and the step's participants
        User.objects.filter(
            Q(pk__in=named) | Q(pk__in=handling.values("user_id")),
            status=UserStatus.ACTIVE,
        )
    )
    if people or named or handling.exists():
        return people
    holders = (
        User.objects.filter(roles__key=role, status=UserStatus.ACTIVE)
        .distinct()
        .order_by("pk")[:ROLE_FALLBACK_LIMIT]
    )
    return [
        person
        for person in holders
        if Order.objects.reachable(person, order.pk).exists()
    ]


def notify_moved(*, actor, order: Order, summary: str) -> int:
    """The next step's handlers and the owner, but not the mover."""
    people = [*node_handlers(order, order.node), order.owner]
    return notify(
        recipients=[p for p in people if p.pk != actor.pk],
        kind=OrderNotice.MOVED,
        title=summary,
        url=reverse("orders:detail", args=[order.pk]),
        target=order,
    )


def notify_opened(*, actor, order: Order) -> int:
    """The processor named on a new order learns it is theirs."""
    if order.processor is None or order.processor_id == actor.pk:
        return 0
    return notify(
        recipients=[order.processor],
        kind=OrderNotice.OPENED,
        title=_("Order %(number)s for %(customer)s: you are its processor")
        % {"number": order.number, "customer": order.customer.shown_name},
        url=reverse("orders:detail", args=[order.pk]),
        target=order,
    )


def notify_overdue(order: Order) -> int:
    """Once per stay in a step: the dedupe key holds the order's version."""
    people = [*node_handlers(order, order.node), order.owner]
    return notify(
        recipients=people,
        kind=OrderNotice.OVERDUE,
        title=_("Order %(number)s is overdue at %(step)s")
        % {"number": order.number, "step": order.node.name},
        url=reverse("orders:detail", args=[order.pk]),
        target=order,
        dedupe_key="order-overdue:%d:%d" % (order.pk, order.lock_version),
    )
