"""An order's owner follows its customer (decision 0010).

The order scope reads the order's own ``owner`` (one indexed column) instead of
joining its customer, so the owner must change whenever the customer's does:
customers sends ``owner_changed`` for a claim, an assignment, an allocation and a
departure handover, and this moves the running orders with them, in the same
transaction. A finished or cancelled order keeps the owner who ran it, as the
departure handover always did: it is the record of who did the business.
A customer returned to the public pool keeps its orders with their owner: running
business stays with the salesperson who signed it until someone claims the customer.
A merge moves the duplicate's orders to the survivor before the duplicate is removed.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.services import audit_record
from lenddesk.customers import signals
from lenddesk.customers.services.timeline import timeline
from lenddesk.orders.models import Order, OrderParticipant, OrderStatus
from lenddesk.orders.services.events import OrderAudit
from lenddesk.orders.services.orders import participant_add

SALESPERSON = "salesperson"


@receiver(signals.owner_changed, dispatch_uid="orders.follow_customer_owner")
def follow_customer_owner(*, actor, customer_ids, owner_id, **_kwargs) -> None:
    orders = list(
        Order.objects.filter(customer_id__in=customer_ids, status=OrderStatus.OPEN)
        .exclude(owner_id=owner_id)
        .select_related("customer", "owner")
        .order_by("pk")
    )
    if not orders:
        return
    heir = User.objects.get(pk=owner_id)
    for order in orders:
        _give(order, heir, actor)


@receiver(signals.merged, dispatch_uid="orders.follow_merged_customer")
def follow_merged_customer(*, actor, survivor, duplicate, **_kwargs) -> None:
    Order.objects.filter(customer_id=duplicate.pk).update(customer_id=survivor.pk)
    if survivor.owner_id is not None:
        follow_customer_owner(
            actor=actor, customer_ids=[survivor.pk], owner_id=survivor.owner_id
        )


def _give(order: Order, heir: User, actor) -> None:
    previous = order.owner
    Order.objects.filter(pk=order.pk).update(owner=heir)
    OrderParticipant.objects.filter(
        order=order, user=previous, role_key=SALESPERSON
    ).delete()
    participant_add(order, heir.pk, SALESPERSON)
    timeline(
        order.customer,
        actor,
        "order",
        _("Order %(number)s now belongs to %(new)s (was %(old)s)")
        % {"number": order.number, "new": heir, "old": previous},
    )
    audit_record(
        actor=actor,
        action=OrderAudit.OWNER_FOLLOWED,
        target=order,
        changes={"owner": [previous.pk, heir.pk]},
    )
