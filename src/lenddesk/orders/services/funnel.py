"""What an order does to its customer: the funnel stage (signed on open, processing
on the first move forward, disbursed on completion, lost on cancel), the flag that
keeps a customer with running business out of the public pool, and the customer's
timeline."""

from __future__ import annotations

from django.db.models import F, Q

from lenddesk.customers.models import Customer, FunnelStage
from lenddesk.customers.services.timeline import stage_moved
from lenddesk.orders.models import Order, OrderStatus

SIGNED, PROCESSING, DISBURSED, LOST = "signed", "processing", "disbursed", "lost"


def customer_advance(customer: Customer, actor, key: str) -> None:
    """Move the customer to stage ``key`` when that is further on than where they
    stand (a customer already disbursed on another loan stays disbursed). A lost
    customer who signs again is signed."""
    stage = FunnelStage.objects.filter(key=key).first()
    if stage is None or stage.pk == customer.stage_id:
        return
    behind = FunnelStage.objects.filter(Q(is_lost=True) | Q(order__lt=stage.order))
    moved = (
        Customer.objects.filter(pk=customer.pk)
        .filter(Q(stage__isnull=True) | Q(stage__in=behind))
        .update(stage=stage, version=F("version") + 1)
    )
    if moved:  # one conditional UPDATE: most moves leave the stage where it is
        stage_moved(customer, actor, stage)


def customer_lost(customer: Customer, actor) -> None:
    """After a cancellation: lost, unless another order of theirs still runs or a
    loan was already disbursed."""
    if open_orders_of(customer).exists():
        return
    stage = FunnelStage.objects.filter(key=LOST).first()
    current = (
        FunnelStage.objects.filter(pk=customer.stage_id).first()
        if customer.stage_id
        else None
    )
    if stage is None or (current is not None and (current.is_won or current.is_lost)):
        return
    _set_stage(customer, actor, stage)


def _set_stage(customer: Customer, actor, stage: FunnelStage) -> None:
    Customer.objects.filter(pk=customer.pk).update(
        stage=stage, version=F("version") + 1
    )
    stage_moved(customer, actor, stage)


def open_orders_of(customer: Customer):
    return Order.objects.filter(customer=customer, status=OrderStatus.OPEN)


def sync_open_business(customer: Customer) -> None:
    """A customer with a running order never returns to the public pool."""
    running = open_orders_of(customer).exists()
    Customer.objects.filter(pk=customer.pk).exclude(has_open_business=running).update(
        has_open_business=running
    )
