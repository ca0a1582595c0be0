"""Screening a delivery's body, without writing: JSON in UTF-8, mapped by the
integration's field mapping (``intake.map_payload``), with consent evidence; the
delivery's status from that (rejected, quarantined or queued), and the lead it
describes for the pipeline (``customers.leads``).

The receiving endpoint screens while the platform waits; the drain screens again
with the integration's current mapping before the lead becomes a customer.
"""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.acquisition.intake import MappedLead, map_payload, target_names
from lenddesk.acquisition.models import (
    AssignMode,
    ChannelKind,
    ConsentSource,
    Delivery,
    DeliveryStatus,
)
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.leads import Consent, Lead, Touch

# A delivery's outcome: what screening and the drain set on it.
OUTCOME_FIELDS = (
    "status",
    "http_status",
    "errors",
    "customer",
    "duplicate_of",
    "processed_at",
)


def parse_payload(body: bytes) -> dict | None:
    """The JSON object a body holds, or None when it is not UTF-8, not JSON or not
    an object."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def not_an_object() -> dict:
    return {"body": [_("Send a JSON object in UTF-8.")]}


def screen(integration, body: bytes) -> tuple[MappedLead | None, dict]:
    """Parse and map a body without writing: the lead, or errors named by the
    platform's own field names."""
    payload = parse_payload(body)
    if payload is None:
        return None, not_an_object()
    return screen_payload(integration, payload)


def screen_payload(integration, payload: dict) -> tuple[MappedLead | None, dict]:
    lead = map_payload(
        payload,
        integration.field_mapping or {},
        target_names(custom=needs_custom_fields(integration)),
    )
    if lead.errors:
        return None, lead.errors
    return lead, {}


def needs_custom_fields(integration) -> bool:
    """Whether the integration maps a platform field to one of the firm's custom
    fields (then screening reads them)."""
    return any(
        str(target).startswith("custom_")
        for target in (integration.field_mapping or {}).values()
    )


def apply_screening(delivery: Delivery, lead: MappedLead | None, errors: dict):
    delivery.customer = delivery.duplicate_of = None
    delivery.errors = {}
    delivery.processed_at = timezone.now()
    if errors:
        reject(delivery, errors)
    elif not lead.has_consent:
        delivery.status, delivery.http_status = DeliveryStatus.QUARANTINED, 202
    else:
        delivery.status, delivery.http_status = DeliveryStatus.QUEUED, 202
        delivery.processed_at = None


def reject(delivery: Delivery, errors: dict) -> None:
    delivery.status, delivery.http_status, delivery.errors = (
        DeliveryStatus.REJECTED,
        400,
        errors,
    )


def audit_quarantine(delivery: Delivery, actor) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_QUARANTINED,
        target=delivery,
        object_repr=delivery.integration.name,
        changes={"integration": delivery.integration_id, "lead": delivery.reference},
    )


def lead_of(delivery: Delivery, mapped: MappedLead) -> Lead:
    """A screened delivery as the pipeline takes it: the integration's campaign
    unless the lead names one, its channel always; its duplicate policy (else the
    firm's) and assignment; the platform's consent evidence; the integration as the
    first touch."""
    integration = delivery.integration
    data = dict(mapped.data)
    data.setdefault("campaign", integration.campaign)
    data["channel"] = integration.channel.name
    mode = integration.assign_mode
    return Lead(
        values=data,
        source=_("traffic platform %s") % integration.name,
        phone=mapped.phone,
        id_number=mapped.id_number,
        custom_fields=mapped.custom_fields or None,
        policy=integration.duplicate_policy,
        rule=integration.allocation_rule if mode == AssignMode.RULE else None,
        by_rules=mode != AssignMode.POOL,
        consent=_consent(delivery, mapped),
        touch=Touch(
            source_kind=ChannelKind.TRAFFIC,
            channel=integration.channel,
            ad_account=integration.ad_account,
            campaign=None,  # the customer's own: the lead's, else the integration's
            source_ref="integration:%s" % delivery.integration_id,
        ),
        ref=delivery,
    )


def _consent(delivery: Delivery, mapped: MappedLead) -> Consent:
    consent = mapped.consent
    return Consent(
        notice_version=consent["consent_version"],
        source=ConsentSource.INTAKE,
        source_ref=(
            "integration:%s:%s" % (delivery.integration_id, delivery.idempotency_key)
        )[:80],
        evidence={
            "agreed_at": consent["at"].isoformat(),
            "reference": consent.get("consent_ref", ""),
            "integration": delivery.integration.name,
            "lead": str(delivery.reference),
        },
        ip_address=consent.get("ip") or None,
    )
