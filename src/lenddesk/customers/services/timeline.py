"""The customer's own history line, written by every service that changes it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lenddesk.customers.models import Customer, FunnelStage, TimelineEvent
from lenddesk.customers.signals import tell_stage_changed


def timeline(customer: Customer, actor, kind: str, summary: str) -> None:
    TimelineEvent.objects.create(
        customer=customer, actor=actor, kind=kind, summary=summary[:300]
    )


def stage_moved(customer: Customer, actor, stage: FunnelStage) -> None:
    """After the customer was moved to ``stage``: the history line, and the word to
    the apps built on customers (``stage_changed``, e.g. conversion feedback)."""
    customer.stage = stage
    timeline(customer, actor, "stage", _("Stage: %s") % stage.name)
    tell_stage_changed(actor=actor, customer_ids=[customer.pk], stage_key=stage.key)
