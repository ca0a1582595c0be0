"""From stored intake deliveries to leads, set-based: the worker's batches and, as a
batch of one, a staff replay or the one-by-one fallback.

``make_leads`` screens each body again with the integration's current mapping, finds
existing customers by the blind indexes in one query, inserts the new customers, their
timeline lines, audit entries, attribution and consent evidence in bulk, links known
people as duplicates, assigns by the integration's rule, and records every outcome. A
delivery whose person already came up earlier in the same batch is left queued for the
next batch, where it finds the first as a customer, exactly as one at a time.

Anything unexpected rolls the whole batch back; the caller then processes its
deliveries one by one (``services._drain_one``), where a failing delivery is retried
and finally marked rejected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.acquisition.intake import MappedLead, map_payload, target_names
from lenddesk.acquisition.models import (
    AssignMode,
    Attribution,
    ChannelKind,
    ConsentRecord,
    ConsentSource,
    Delivery,
    DeliveryStatus,
    PrivacyNotice,
)
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, audit_records
from lenddesk.customers.allocation import active_rules, allocate, matching_rule
from lenddesk.customers.models import (
    Customer,
    DuplicatePolicy,
    FunnelStage,
    TimelineEvent,
)
from lenddesk.customers.services import (
    apply_tag_rules,
    customer_prepare,
    default_pool,
    merge_arrival,
    pool_rules,
)
from lenddesk.tenancy.bulk import bulk_insert, bulk_update
from lenddesk.web.api import validation_fields

BATCH = 100
OUTCOME_FIELDS = (
    "status",
    "http_status",
    "errors",
    "customer",
    "duplicate_of",
    "processed_at",
)


@dataclass
class _Lead:
    delivery: Delivery
    lead: MappedLead
    customer: Customer  # unsaved; the existing one for a duplicate
    existing_id: int | None = None


@dataclass
class BatchResult:
    processed: int  # deliveries given their outcome in this batch
    locked: int  # rows taken (0: nothing left that another worker does not hold)


def drain_batch() -> BatchResult:
    """One batch in the caller's transaction (``tenant_context`` + audit staging)."""
    deliveries = list(
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "integration__channel",
            "integration__ad_account",
            "integration__allocation_rule",
        )
        .filter(status=DeliveryStatus.QUEUED)
        .order_by("pk")[:BATCH]
    )
    if not deliveries:
        return BatchResult(0, 0)
    return BatchResult(len(make_leads(deliveries)), len(deliveries))


def make_leads(deliveries: list[Delivery], *, actor=None) -> list[Delivery]:
    """Give each delivery its outcome, in the caller's transaction; the deliveries
    settled (all but a person's second lead in one batch)."""
    leads, settled = _screen_all(deliveries, actor)
    _lock_people(leads)
    _find_existing(leads)
    created = _create(leads, actor)
    _merge(leads, actor)
    _consent(leads)
    _assign(created, actor)
    done = [*settled, *(item.delivery for item in leads)]
    now = timezone.now()
    for delivery in done:
        delivery.processed_at = now
    bulk_update(Delivery, done, [*OUTCOME_FIELDS, "replay_count"])
    return done


def _screen_all(deliveries, actor):
    leads: list[_Lead] = []
    settled: list[Delivery] = []
    seen: set[str] = set()
    for delivery in deliveries:
        body = delivery.get_secret("payload").encode("utf-8")
        lead, errors = screen(delivery.integration, body)
        apply_screening(delivery, lead, errors)
        if delivery.status == DeliveryStatus.QUARANTINED:
            audit_quarantine(delivery, actor)
        if delivery.status != DeliveryStatus.QUEUED:
            settled.append(delivery)
            continue
        try:
            customer = customer_prepare(actor=actor, **lead_values(delivery, lead))
        except ValidationError as exc:
            reject(delivery, lead.platform_errors(validation_fields(exc)))
            settled.append(delivery)
            continue
        keys = {k for k in (customer.phone_index, customer.id_number_index) if k}
        if keys & seen:  # the same person again: left queued for the next batch
            continue
        seen |= keys
        leads.append(_Lead(delivery, lead, customer))
    return leads, settled


def _lock_people(leads: list[_Lead]) -> None:
    """Serialise concurrent leads of one person (by phone and ID number) until the
    transaction ends, so the second finds the first as a duplicate instead of making a
    twin: all the advisory locks in one statement, in key order (two batches never
    wait for each other in a circle)."""
    if connection.vendor != "postgresql" or not leads:
        return
    keys = sorted(
        {
            int(index[:15], 16)
            for item in leads
            for index in (item.customer.phone_index, item.customer.id_number_index)
            if index
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) "
            "FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS keys",
            [keys],
        )


def _find_existing(leads: list[_Lead]) -> None:
    phones = {i.customer.phone_index for i in leads if i.customer.phone_index}
    ids = {i.customer.id_number_index for i in leads if i.customer.id_number_index}
    if not leads:
        return
    known: dict[str, int] = {}
    rows = (
        Customer.objects.filter(Q(phone_index__in=phones) | Q(id_number_index__in=ids))
        .order_by("pk")
        .values_list("pk", "phone_index", "id_number_index")
    )
    for pk, phone, id_number in rows:
        if phone:
            known.setdefault(phone, pk)
        if id_number:
            known.setdefault(id_number, pk)
    for item in leads:
        found = [
            known[k]
            for k in (item.customer.phone_index, item.customer.id_number_index)
            if k in known
        ]
        item.existing_id = min(found) if found else None


def _policy(item: _Lead, firm_policy: str) -> str:
    """The integration's duplicate policy, else the firm's."""
    policy = item.delivery.integration.duplicate_policy or firm_policy
    # A platform cannot be told "no": the lead is linked to the existing customer.
    return DuplicatePolicy.MERGE if policy == DuplicatePolicy.REJECT else policy


def _create(leads: list[_Lead], actor) -> list[_Lead]:
    firm_policy = pool_rules().duplicate_policy
    fresh = [
        item
        for item in leads
        if item.existing_id is None
        or _policy(item, firm_policy) == DuplicatePolicy.FLAG
    ]
    if not fresh:
        return []
    stage = FunnelStage.objects.filter(key="new").first()
    pool = default_pool()
    for item in fresh:
        item.customer.duplicate_of_id = item.existing_id
        item.customer.stage = stage
        item.customer.pool = pool
    customers = bulk_insert(Customer, [item.customer for item in fresh], returning=True)
    apply_tag_rules(customers)
    bulk_insert(
        TimelineEvent,
        [
            TimelineEvent(
                customer_id=item.customer.pk,
                actor=actor,
                kind="created",
                summary=(_("Created (%s)") % _source(item))[:300],
            )
            for item in fresh
        ],
    )
    audit_records(
        [
            {
                "actor": actor,
                "action": AuditAction.CUSTOMER_CREATED,
                "target": item.customer,
                "changes": {
                    "owner": None,
                    "pool": pool.pk,
                    "source": _source(item),
                    "duplicate_of": item.existing_id,
                },
            }
            for item in fresh
        ]
    )
    bulk_insert(
        Attribution,
        [
            Attribution(
                customer_id=item.customer.pk,
                channel=item.delivery.integration.channel,
                ad_account=item.delivery.integration.ad_account,
                campaign=(item.customer.campaign or "")[:80],
                source_kind=ChannelKind.TRAFFIC,
                source_ref="integration:%s" % item.delivery.integration_id,
            )
            for item in fresh
        ],
    )
    for item in fresh:
        delivery = item.delivery
        delivery.customer_id = item.customer.pk
        delivery.duplicate_of_id = item.existing_id
        delivery.status, delivery.http_status = DeliveryStatus.CREATED, 201
    return fresh


def _merge(leads: list[_Lead], actor) -> None:
    """Leads of people who are customers already (policy merge): linked, with a
    "came in again" follow-up on the existing customer."""
    linked = [i for i in leads if i.delivery.status == DeliveryStatus.QUEUED]
    if not linked:
        return
    existing = Customer.objects.in_bulk([i.existing_id for i in linked])
    for item in linked:
        item.customer = existing[item.existing_id]
        merge_arrival(item.customer, actor, _source(item))
        delivery = item.delivery
        delivery.duplicate_of_id = item.existing_id
        delivery.status, delivery.http_status = DeliveryStatus.DUPLICATE, 200


def _consent(leads: list[_Lead]) -> None:
    versions = {item.lead.consent["consent_version"] for item in leads}
    notices = {n.version: n for n in PrivacyNotice.objects.filter(version__in=versions)}
    now = timezone.now()
    bulk_insert(
        ConsentRecord,
        [
            ConsentRecord(
                customer_id=item.customer.pk,
                notice=notices.get(item.lead.consent["consent_version"]),
                notice_version=item.lead.consent["consent_version"][:40],
                source=ConsentSource.INTAKE,
                source_ref=(
                    "integration:%s:%s"
                    % (item.delivery.integration_id, item.delivery.idempotency_key)
                )[:80],
                purposes=[],
                evidence={
                    "agreed_at": item.lead.consent["at"].isoformat(),
                    "reference": item.lead.consent.get("consent_ref", ""),
                    "integration": item.delivery.integration.name,
                    "lead": str(item.delivery.reference),
                },
                ip_address=item.lead.consent.get("ip") or None,
                user_agent="",
                given_at=now,
            )
            for item in leads
        ],
    )


def _assign(created: list[_Lead], actor) -> None:
    """The integration's rule, or the firm's rules by channel and city (read once);
    nobody available leaves the lead in the public pool."""
    wanted = [
        i for i in created if i.delivery.integration.assign_mode != AssignMode.POOL
    ]
    rules = active_rules() if wanted else []
    for item in wanted:
        integration = item.delivery.integration
        chosen = (
            integration.allocation_rule
            if integration.assign_mode == AssignMode.RULE
            else None
        )
        rule = chosen or matching_rule(item.customer, rules)
        if rule is None:
            continue
        try:
            with transaction.atomic():
                allocate(customer=item.customer, rule=rule, actor=actor)
        except ValidationError:
            pass  # nobody can take it now (caps): it waits in the public pool


def _source(item: _Lead) -> str:
    return _("traffic platform %s") % item.delivery.integration.name


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


def lead_values(delivery: Delivery, lead: MappedLead) -> dict:
    """A mapped lead as ``customer_prepare`` takes it: the integration's campaign
    unless the lead names one, its channel always."""
    integration = delivery.integration
    data = dict(lead.data)
    data.setdefault("campaign", integration.campaign)
    data["channel"] = integration.channel.name
    return {
        "data": data,
        "phone": lead.phone,
        "id_number": lead.id_number,
        "custom_fields": lead.custom_fields or None,
    }
