"""The customer's own history line, written by every service that changes it."""

from __future__ import annotations

from lenddesk.customers.models import Customer, TimelineEvent
from lenddesk.customers.signals import tell_stage_changed

STAGE = "stage"


def timeline(customer: Customer, actor, kind: str, summary: str) -> None:
    """One line of the customer's history. A "stage" line records a move to
    ``customer.stage`` (set before it is written), so it also tells the apps built on
    customers (``stage_changed``): the orders' funnel moves stages through it."""
    TimelineEvent.objects.create(
        customer=customer, actor=actor, kind=kind, summary=summary[:300]
    )
    if kind == STAGE and customer.stage_id is not None:
        tell_stage_changed(
            actor=actor, customer_ids=[customer.pk], stage_key=customer.stage.key
        )
