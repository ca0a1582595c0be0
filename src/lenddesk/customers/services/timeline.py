"""The customer's own history line, written by every service that changes it."""

from __future__ import annotations

from lenddesk.customers.models import Customer, TimelineEvent


def timeline(customer: Customer, actor, kind: str, summary: str) -> None:
    TimelineEvent.objects.create(
        customer=customer, actor=actor, kind=kind, summary=summary[:300]
    )
