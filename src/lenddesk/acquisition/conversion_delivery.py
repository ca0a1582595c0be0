"""Delivering conversion callbacks: the outbox rows ``conversion_events`` wrote go to
the platform after the commit, with retries.

As in the notifications outbox: due rows are claimed in their own transaction by one
conditional UPDATE that stamps a claim token (PostgreSQL first locks the candidates
with ``SKIP LOCKED``; SQLite serialises writers), so two sweeps never take one row;
the request is made outside any transaction; the outcome is written only where the
claim is still ours. A claim carries a lease: a row whose worker died mid-send is
taken again after it, with the same event id (the platform's Idempotency-Key).
Failed attempts wait 1, 2, 4 … minutes (``CONVERSION_BACKOFF_SECONDS`` the first),
at most an hour; after ``CONVERSION_MAX_ATTEMPTS`` the row is failed and waits for
someone to send it again (``conversions.conversion_retry``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from lenddesk.acquisition.conversion_errors import SendFailure
from lenddesk.acquisition.conversion_http import Answer, post_signed
from lenddesk.acquisition.conversion_models import (
    CallbackStatus,
    ConversionCallback,
)
from lenddesk.acquisition.intake import sign
from lenddesk.tenancy.context import require_current_tenant, tenant_context

log = logging.getLogger("lenddesk.acquisition.conversions")

BATCH = 20
MAX_BATCHES = 10
LEASE = dt.timedelta(minutes=5)
BACKOFF_MAX_SECONDS = 3600
# Refusals that another attempt cannot change: the row fails at once.
PERMANENT = frozenset(
    {
        SendFailure.DISABLED,
        SendFailure.NO_SECRET,
        SendFailure.BAD_URL,
        SendFailure.BLOCKED_ADDRESS,
    }
)


def max_attempts() -> int:
    return int(getattr(settings, "CONVERSION_MAX_ATTEMPTS", 8))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling, at most an hour."""
    first = float(getattr(settings, "CONVERSION_BACKOFF_SECONDS", 60))
    seconds = first * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def conversion_body(callback: ConversionCallback, integration_key: str) -> bytes:
    """The JSON the platform receives: the event, its id, the platform's own lead
    reference, when, our integration key and (when allowed) the amount band."""
    payload = {
        "event": callback.event,
        "event_id": str(callback.event_id),
        "lead_ref": callback.lead_ref,
        "occurred_at": callback.occurred_at.astimezone(dt.UTC).isoformat(
            timespec="seconds"
        ),
        "integration": integration_key,
    }
    if callback.amount_band:
        payload["amount_band"] = callback.amount_band
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signed_headers(secret: str, body: bytes, event_id: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "LendDesk-Conversions/1",
        "Idempotency-Key": event_id,
        "X-LendDesk-Timestamp": timestamp,
        "X-LendDesk-Signature": sign(secret, timestamp, body),
    }


def _due(now) -> Q:
    return Q(status=CallbackStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=CallbackStatus.SENDING, lease_until__lt=now
    )


def conversions_claim(limit: int = BATCH, *, candidates: list[int] | None = None):
    """Take up to ``limit`` due callbacks of the current firm, in their own
    transaction. ``candidates`` (tests) skips the read, to race two claimers on the
    same ids as two sweeps reading at the same moment would."""
    token = uuid.uuid4()
    with tenant_context(require_current_tenant()):
        now = timezone.now()
        if candidates is None:
            rows = ConversionCallback.objects.filter(_due(now)).order_by(
                "next_attempt_at"
            )
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            candidates = list(rows.values_list("pk", flat=True)[:limit])
        if not candidates:
            return []
        ConversionCallback.objects.filter(_due(now), pk__in=candidates).update(
            status=CallbackStatus.SENDING,
            claim=token,
            lease_until=now + LEASE,
            attempts=F("attempts") + 1,
        )
        return list(
            ConversionCallback.objects.filter(
                claim=token, status=CallbackStatus.SENDING
            )
            .select_related("integration__conversion")
            .order_by("pk")
        )


def _prepare(callback: ConversionCallback):
    """(url, body, headers) for one attempt, or the permanent failure."""
    config = getattr(callback.integration, "conversion", None)
    if config is None or not config.enabled:
        return None, SendFailure.DISABLED
    if not config.url:
        return None, SendFailure.BAD_URL
    with tenant_context(require_current_tenant()):
        secret = config.get_secret("secret") if config.secret_cipher else ""
    if not secret:
        return None, SendFailure.NO_SECRET
    body = conversion_body(callback, callback.integration.key)
    return (config.url, body, signed_headers(secret, body, str(callback.event_id))), ""


def conversion_send(callback: ConversionCallback) -> str:
    """One attempt for a claimed callback (outside any transaction) and its
    outcome written; returns the row's new status."""
    try:
        request, failure = _prepare(callback)
        answer = post_signed(*request) if request else Answer(None, failure)
    except Exception:
        log.exception("conversion callback %s: internal error", callback.pk)
        answer = Answer(None, SendFailure.INTERNAL)
    return conversion_record(callback, answer)


def conversion_record(callback: ConversionCallback, answer: Answer) -> str:
    """Write the outcome of one attempt, only while the claim is still ours."""
    now = timezone.now()
    changes = dict(
        last_http_status=answer.status, last_error=answer.failure, lease_until=None
    )
    if answer.delivered:
        changes.update(status=CallbackStatus.DELIVERED, delivered_at=now)
    elif answer.failure in PERMANENT or callback.attempts >= max_attempts():
        changes.update(status=CallbackStatus.FAILED)
    else:
        changes.update(
            status=CallbackStatus.PENDING,
            next_attempt_at=now + backoff(callback.attempts),
        )
    with tenant_context(require_current_tenant()):
        ConversionCallback.objects.filter(
            pk=callback.pk, claim=callback.claim, status=CallbackStatus.SENDING
        ).update(**changes)
    log.info(
        "conversion callback %s (%s, attempt %d): %s %s",
        callback.pk,
        callback.event,
        callback.attempts,
        changes["status"],
        answer.failure or answer.status,
    )
    return changes["status"]


def conversions_deliver_due(*, batches: int = MAX_BATCHES) -> dict[str, int]:
    """Send the current firm's due callbacks, batch by batch (the firm is bound;
    each claim and each outcome is its own transaction). Counts by outcome."""
    outcomes: dict[str, int] = {}
    for _n in range(batches):
        claimed = conversions_claim(BATCH)
        if not claimed:
            break
        for callback in claimed:
            status = conversion_send(callback)
            outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes
