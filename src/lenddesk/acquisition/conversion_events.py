"""From a funnel move to conversion callbacks: ``customers.stage_changed`` (sent
inside the transaction that moved the customers) writes one outbox row per event a
platform's lead reached, in that same transaction; the commit asks for delivery.

The platform that brought a customer is the integration whose delivery created
them (``Delivery.customer``, status created — the customer's first touch); the lead
is named only by the platform's own reference, the delivery's Idempotency-Key.

Events, each at most once per lead (a unique row, whatever the stage does later):
``qualified`` once the customer reaches the integration's qualified stage or any
stage after it, ``signed`` at "signed" or after, ``disbursed`` at "disbursed" (the
won stage), ``lost`` at a lost stage. A jump straight to "signed" reports
"qualified" too.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lenddesk.acquisition.conversion_models import (
    ConversionCallback,
    ConversionConfig,
    ConversionEvent,
)
from lenddesk.acquisition.models import Delivery, DeliveryStatus
from lenddesk.acquisition.tasks import kick_conversions
from lenddesk.customers.models import Customer, FunnelStage
from lenddesk.tenancy.context import require_current_tenant

SIGNED_STAGE, DISBURSED_STAGE = "signed", "disbursed"
# Upper bounds in 万元 (10,000 yuan) and the band below each; above the last, "300万以上".
BANDS = (
    (10, "0-10万"),
    (30, "10-30万"),
    (50, "30-50万"),
    (100, "50-100万"),
    (300, "100-300万"),
)
TOP_BAND = "300万以上"


def amount_band(amount: Decimal | None) -> str:
    """The band of a demand amount in yuan ("10-30万"); "" when there is none."""
    if amount is None or amount <= 0:
        return ""
    wan = amount / Decimal(10000)
    for upper, band in BANDS:
        if wan < upper:
            return band
    return TOP_BAND


def events_reached(stage: FunnelStage, stages: dict, config: ConversionConfig):
    """The events of ``config`` a customer at ``stage`` has reached."""
    if stage.is_lost:
        return [ConversionEvent.LOST] if ConversionEvent.LOST in config.events else []
    won = next((s for s in stages.values() if s.is_won), None)
    thresholds = {
        ConversionEvent.QUALIFIED: stages.get(config.qualified_stage),
        ConversionEvent.SIGNED: stages.get(SIGNED_STAGE),
        ConversionEvent.DISBURSED: stages.get(DISBURSED_STAGE) or won,
    }
    return [
        event
        for event, threshold in thresholds.items()
        if event in config.events
        and threshold is not None
        and not threshold.is_lost
        and stage.order >= threshold.order
    ]


def on_stage_changed(sender, *, customer_ids, stage_key, **kwargs) -> None:
    """``customers.signals.stage_changed`` receiver (connected in apps.ready)."""
    conversions_for_stage(customer_ids=customer_ids, stage_key=stage_key)


def conversions_for_stage(*, customer_ids: list[int], stage_key: str) -> int:
    """Outbox rows for the events the customers' leads reached by moving to
    ``stage_key``, in the caller's transaction; returns how many were written. A
    firm without conversion feedback pays one small query."""
    configs = {
        config.integration_id: config
        for config in ConversionConfig.objects.filter(enabled=True)
    }
    if not configs or not customer_ids:
        return 0
    leads = list(
        Delivery.objects.filter(
            customer_id__in=customer_ids,
            status=DeliveryStatus.CREATED,
            integration_id__in=list(configs),
        ).values_list("integration_id", "idempotency_key", "customer_id")
    )
    if not leads:
        return 0
    stages = {stage.key: stage for stage in FunnelStage.objects.all()}
    stage = stages.get(stage_key)
    if stage is None:
        return 0
    bands = _bands(leads, configs)
    now = timezone.now()
    rows = [
        ConversionCallback(
            integration_id=integration_id,
            event=event,
            lead_ref=lead_ref,
            occurred_at=now,
            amount_band=bands.get(customer_id, ""),
        )
        for integration_id, lead_ref, customer_id in leads
        for event in events_reached(stage, stages, configs[integration_id])
    ]
    return _write_new(rows)


def _bands(leads: list[tuple], configs: dict) -> dict[int, str]:
    """Amount bands of the customers whose integration allows sending them."""
    allowed = [c for i, _ref, c in leads if configs[i].send_amount_band]
    if not allowed:
        return {}
    amounts = Customer.objects.filter(pk__in=allowed).values_list("pk", "demand_amount")
    return {pk: amount_band(amount) for pk, amount in amounts}


def _write_new(rows: list[ConversionCallback]) -> int:
    """Insert the rows not written before (the unique key also absorbs a
    concurrent writer); after the commit, ask for their delivery."""
    if not rows:
        return 0
    existing = set(
        ConversionCallback.objects.filter(
            integration_id__in={row.integration_id for row in rows},
            lead_ref__in={row.lead_ref for row in rows},
        ).values_list("integration_id", "lead_ref", "event")
    )
    new = [
        row
        for row in rows
        if (row.integration_id, row.lead_ref, row.event) not in existing
    ]
    if not new:
        return 0
    ConversionCallback.objects.bulk_create(new, ignore_conflicts=True)
    tenant_id = require_current_tenant().pk
    transaction.on_commit(lambda: kick_conversions(tenant_id))
    return len(new)
