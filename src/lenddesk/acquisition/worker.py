"""The worker's part of intake: a firm's queued deliveries drained in set-based
batches (``drain``), each in one transaction whose audit entries are chained at its
commit; a batch that fails is rolled back and its deliveries processed one by one,
where a failing one is finally marked rejected. The tasks (``tasks``) call in here."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django.utils.translation import gettext_lazy

from lenddesk.acquisition.drain import BATCH, drain_batch, make_leads, take_queued
from lenddesk.acquisition.models import Delivery, DeliveryStatus
from lenddesk.audit.services import audit_staging
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant, TenantStatus

logger = logging.getLogger(__name__)

DRAIN_ATTEMPTS = 2

PROCESSING_FAILED = gettext_lazy(
    "This lead could not be turned into a customer because of an error on our side; "
    "the firm can replay it."
)


def process_queued_deliveries(
    *,
    tenant: Tenant | None = None,
    limit: int | None = None,
    older_than: dt.timedelta | None = None,
) -> int:
    """Turn queued deliveries into leads, oldest first: one firm's, or (``tenant``
    None) every active firm's; with ``older_than``, only firms whose oldest queued
    delivery waited that long (the minute job's safety net for a lost task). Safe to
    run in several workers at once. Returns how many deliveries were processed."""
    if tenant is not None:
        return _drain(tenant, limit)
    done = 0
    for firm in Tenant.objects.filter(status=TenantStatus.ACTIVE).order_by("pk"):
        if limit is not None and done >= limit:
            break
        if older_than is not None and not _waited(firm, older_than):
            continue
        done += _drain(firm, None if limit is None else limit - done)
    return done


def _waited(tenant: Tenant, older_than: dt.timedelta) -> bool:
    cutoff = timezone.now() - older_than
    with tenant_context(tenant):
        return Delivery.objects.filter(
            status=DeliveryStatus.QUEUED, received_at__lt=cutoff
        ).exists()


def _drain(tenant: Tenant, limit: int | None) -> int:
    """Set-based batches until the queue is empty. With a ``limit``, one by one
    throughout (exactly that many)."""
    if limit is not None:
        return _drain_singly(tenant, limit)
    done = 0
    while True:
        try:
            with tenant_context(tenant), audit_staging(tenant.pk):
                batch = drain_batch()
        except Exception:
            logger.exception(
                "A batch of intake deliveries of firm %s failed; processing them "
                "one by one.",
                tenant.pk,
            )
            singly = _drain_singly(tenant, BATCH)
            if not singly:
                return done
            done += singly
            continue
        if not batch.locked:
            return done
        done += batch.processed


def _drain_singly(tenant: Tenant, limit: int | None) -> int:
    """Batches of ids in pk order; each delivery then in its own transaction, so the
    firm's audit-chain lock is held for one commit, never across a batch. A row
    locked by someone else (another worker, a staff replay) is passed over at first
    and waited for at the end, when it is usually no longer queued."""
    done = after = 0
    passed: list[int] = []
    while limit is None or done < limit:
        with tenant_context(tenant):
            batch = list(
                Delivery.objects.filter(status=DeliveryStatus.QUEUED, pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
        if not batch:
            break
        for pk in batch:
            if limit is not None and done >= limit:
                break
            if _drain_one(tenant, pk, wait=False):
                done += 1
            else:
                passed.append(pk)
            after = pk
    for pk in passed:
        if limit is not None and done >= limit:
            break
        done += _drain_one(tenant, pk, wait=True)
    return done


def _drain_one(tenant: Tenant, pk: int, *, wait: bool) -> bool:
    """Process one queued delivery; one that keeps failing is rejected with a readable
    error rather than left queued (a lost deadlock is simply tried again)."""
    for attempt in range(1, DRAIN_ATTEMPTS + 1):
        try:
            with tenant_context(tenant), audit_staging(tenant.pk):
                delivery = take_queued(pk=pk, wait=wait).first()
                if delivery is None:
                    return False
                make_leads([delivery])
                return True
        except Exception:
            if attempt < DRAIN_ATTEMPTS:
                continue
            logger.exception(
                "Intake delivery %s of firm %s failed; it is marked rejected.",
                pk,
                tenant.pk,
            )
    return _fail(tenant, pk)


def _fail(tenant: Tenant, pk: int) -> bool:
    with tenant_context(tenant):
        return bool(
            Delivery.objects.filter(pk=pk, status=DeliveryStatus.QUEUED).update(
                status=DeliveryStatus.REJECTED,
                http_status=400,
                errors={"lead": [str(PROCESSING_FAILED)]},
                processed_at=timezone.now(),
            )
        )
