"""From stored intake deliveries to customers, set-based: the worker's batches and, as
a batch of one, a staff replay (``delivery_replay``) or the worker's one-by-one
fallback.

``make_leads`` screens each body again with the integration's current mapping
(``screening``) and hands the leads to the one lead pipeline (``customers.leads``):
known people by their blind indexes in one query, new customers with their timeline
lines, audit entries, attribution and consent evidence in bulk, known people linked
as duplicates, assignment by the integration's rule; then every delivery gets its
outcome. A delivery whose person already came up earlier in the same batch is left
queued for the next batch, where it finds the first as a customer, exactly as one at
a time.

Anything unexpected rolls the whole batch back; the worker then processes its
deliveries one by one, where a failing delivery is retried and finally marked
rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.acquisition.intake import MappedLead
from lenddesk.acquisition.models import Delivery, DeliveryStatus
from lenddesk.acquisition.screening import (
    OUTCOME_FIELDS,
    apply_screening,
    audit_quarantine,
    lead_of,
    reject,
    screen,
)
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.leads import Lead, LeadRun, Outcome, leads_take
from lenddesk.tenancy.bulk import bulk_update
from lenddesk.web.api import validation_fields

BATCH = 100


@dataclass
class BatchResult:
    processed: int  # deliveries given their outcome in this batch
    locked: int  # rows taken (0: nothing left that another worker does not hold)


def take_queued(*, pk: int | None = None, wait: bool = False):
    """Queued deliveries locked for this transaction, with what screening and the
    pipeline read of their integration; rows another worker holds are passed over
    (unless ``wait``)."""
    return (
        Delivery.objects.select_for_update(skip_locked=not wait, of=("self",))
        .select_related(
            "integration__channel",
            "integration__ad_account",
            "integration__allocation_rule",
        )
        .filter(status=DeliveryStatus.QUEUED, **({} if pk is None else {"pk": pk}))
        .order_by("pk")
    )


def drain_batch() -> BatchResult:
    """One batch in the caller's transaction (``tenant_context`` + audit staging)."""
    deliveries = list(take_queued()[:BATCH])
    if not deliveries:
        return BatchResult(0, 0)
    return BatchResult(len(make_leads(deliveries)), len(deliveries))


def make_leads(deliveries: list[Delivery], *, actor=None) -> list[Delivery]:
    """Give each delivery its outcome, in the caller's transaction; the deliveries
    settled (all but a person's second lead in one batch)."""
    screened, settled = _screen_all(deliveries, actor)
    leads = [lead for lead, _mapped in screened]
    # A platform cannot be told "no": a known person's lead is linked to them.
    leads_take(leads, LeadRun(actor=actor, may_refuse=False, concurrent=True))
    done = settled + [
        lead.ref for lead, mapped in screened if _settle(lead, mapped) is not None
    ]
    now = timezone.now()
    for delivery in done:
        delivery.processed_at = now
    bulk_update(Delivery, done, [*OUTCOME_FIELDS, "replay_count"])
    return done


def _screen_all(deliveries, actor):
    """The leads of deliveries that pass screening again (with their mapped
    payloads), and the deliveries settled by it (rejected, or quarantined with an
    audit entry)."""
    leads: list[tuple[Lead, MappedLead]] = []
    settled: list[Delivery] = []
    for delivery in deliveries:
        body = delivery.get_secret("payload").encode("utf-8")
        mapped, errors = screen(delivery.integration, body)
        apply_screening(delivery, mapped, errors)
        if delivery.status == DeliveryStatus.QUARANTINED:
            audit_quarantine(delivery, actor)
        if delivery.status == DeliveryStatus.QUEUED:
            leads.append((lead_of(delivery, mapped), mapped))
        else:
            settled.append(delivery)
    return leads, settled


def _settle(lead: Lead, mapped: MappedLead) -> Delivery | None:
    """The delivery's outcome from its lead's; None while it waits in the queue."""
    delivery = lead.ref
    if lead.outcome == Outcome.CREATED:
        delivery.customer_id = lead.customer.pk
        delivery.duplicate_of_id = lead.existing_id
        delivery.status, delivery.http_status = DeliveryStatus.CREATED, 201
    elif lead.outcome == Outcome.CAME_AGAIN:
        delivery.duplicate_of_id = lead.existing_id
        delivery.status, delivery.http_status = DeliveryStatus.DUPLICATE, 200
    elif lead.outcome == Outcome.INVALID:
        # The customer record's refusal, named by the platform's own field names.
        reject(delivery, mapped.platform_errors(validation_fields(lead.error)))
    else:
        return None
    return delivery


REPLAYABLE = (DeliveryStatus.QUARANTINED, DeliveryStatus.REJECTED)


@transaction.atomic
def delivery_replay(*, actor, delivery: Delivery) -> Delivery:
    """Process a stored delivery again with the integration's current settings (after
    fixing a mapping, or once consent evidence is available upstream). A delivery that
    already produced or matched a customer is left alone, and a queued one is the
    worker's."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status in (DeliveryStatus.CREATED, DeliveryStatus.DUPLICATE):
        raise ValidationError(
            _("This delivery already reached a customer; replaying it changes nothing.")
        )
    if delivery.status not in REPLAYABLE:
        raise ValidationError(
            _("This delivery is queued; it becomes a lead in a moment.")
        )
    before = delivery.status
    delivery.replay_count += 1
    make_leads([delivery], actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_REPLAYED,
        target=delivery,
        object_repr=delivery.integration.name,
        changes={"status": [before, delivery.status], "lead": delivery.reference},
    )
    return delivery
