"""The transactional outbox: messages for email, SMS and WeChat are rows written in
the caller's transaction, delivered after the commit.

Delivery claims due rows with one conditional UPDATE that stamps a claim token
(PostgreSQL first locks the candidates with ``SKIP LOCKED``; SQLite serialises
writers), commits, sends outside any transaction, then records the outcome only
where the claim token still matches. A claimed message carries a lease: when a
worker dies mid-send, the next sweep after the lease takes it again, and the
adapter gets the same idempotency key (``OutboxMessage.key``) as the first try.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from lenddesk.notifications.models import Notification, OutboxMessage, OutboxStatus
from lenddesk.notifications.preferences import channels_for
from lenddesk.tenancy.context import require_current_tenant, tenant_context

log = logging.getLogger("lenddesk.notifications.outbox")

BATCH = 50
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 6
BACKOFF_FIRST_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, at most an hour."""
    seconds = BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def outbox_enqueue(notifications: Iterable[Notification]) -> int:
    """Outbox rows for the channels each stored notification should also go out on,
    in the caller's transaction. Returns how many were written."""
    notifications = list(notifications)
    plan = channels_for((n.recipient_id, n.kind) for n in notifications)
    if not plan:
        return 0
    rows = [
        OutboxMessage(
            recipient_id=n.recipient_id,
            channel=channel,
            kind=n.kind,
            subject=n.title,
            body=n.body,
            url=n.url,
            dedupe_key=n.dedupe_key,
        )
        for n in notifications
        for channel in plan.get((n.recipient_id, n.kind), ())
    ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _due(now) -> Q:
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lt=now
    )


def outbox_claim(limit: int = BATCH, *, candidates: list[int] | None = None) -> list:
    """Take up to ``limit`` due messages of the current firm for this worker, in their
    own transaction. ``candidates`` (tests) skips the read, to race two claimers on
    the same ids as two sweeps that read at the same moment would."""
    token = uuid.uuid4()
    with tenant_context(require_current_tenant()):
        now = timezone.now()
        if candidates is None:
            rows = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at")
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            candidates = list(rows.values_list("pk", flat=True)[:limit])
        if not candidates:
            return []
        OutboxMessage.objects.filter(_due(now), pk__in=candidates).update(
            status=OutboxStatus.SENDING,
            claim=token,
            lease_until=now + LEASE,
            attempts=F("attempts") + 1,
        )
        return list(
            OutboxMessage.objects.filter(claim=token, status=OutboxStatus.SENDING)
            .select_related("recipient")
            .order_by("pk")
        )


def outbox_record(message: OutboxMessage, *, provider_id: str = "", error=None) -> str:
    """Write the outcome of one attempt, only while the claim is still ours."""
    now = timezone.now()
    if error is None:
        changes = dict(
            status=OutboxStatus.SENT,
            provider_id=provider_id[:80],
            sent_at=now,
            last_error="",
            lease_until=None,
        )
    elif error.permanent or message.attempts >= MAX_ATTEMPTS:
        changes = dict(
            status=OutboxStatus.FAILED, last_error=str(error)[:300], lease_until=None
        )
    else:
        changes = dict(
            status=OutboxStatus.PENDING,
            last_error=str(error)[:300],
            lease_until=None,
            next_attempt_at=now + backoff(message.attempts),
        )
    with tenant_context(require_current_tenant()):
        OutboxMessage.objects.filter(
            pk=message.pk, claim=message.claim, status=OutboxStatus.SENDING
        ).update(
            address_hint=message.address_hint[:80],
            sent_text=message.sent_text[:300],
            **changes,
        )
    log.info(
        "outbox %s %s via %s to %s: %s",
        message.pk,
        message.kind,
        message.channel,
        message.address_hint or "-",
        changes["status"] if error is None else str(error)[:120],
    )
    return changes["status"]


KEEP_SENT_DAYS = 90


def outbox_prune(*, days: int = KEEP_SENT_DAYS) -> int:
    """Sent messages older than ``days`` leave the log (failed ones stay for the admin)."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _by_model = OutboxMessage.objects.filter(
        status=OutboxStatus.SENT, created_at__lt=cutoff
    ).delete()
    return deleted
