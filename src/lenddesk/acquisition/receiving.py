"""Receiving a traffic platform's delivery, the first step of intake (receiving →
screening → store → worker → drain): the one cache round trip that counts it
(``intake_admit``), screening it while the platform waits (``screening``), storing or
finding it exactly once per idempotency key (``store``), the answer (``outcome_of``)
and handing a queued one to the worker (``tasks``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.acquisition import selectors
from lenddesk.acquisition.intake import MappedLead
from lenddesk.acquisition.models import Delivery, DeliveryStatus, Integration
from lenddesk.acquisition.screening import (
    OUTCOME_FIELDS,
    apply_screening,
    audit_quarantine,
    needs_custom_fields,
    not_an_object,
    parse_payload,
    screen_payload,
)
from lenddesk.acquisition.store import (
    StoredAnswer,
    find_in_one_trip,
    insert_new,
    one_trip_possible,
    store_in_one_trip,
    stored,
)
from lenddesk.acquisition.tasks import (
    DRAIN_FLAG_SECONDS,
    drain_flag,
    request_drain,
    schedule_drain,
)
from lenddesk.audit.services import audit_staging
from lenddesk.tenancy import generation as firm_generation
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from lenddesk.web.api import summarise
from lenddesk.web.cache import give_back, read_count_take
from lenddesk.web.errors import error_body


@dataclass(frozen=True)
class IntakeOutcome:
    http_status: int
    body: dict
    replayed: bool = False


def outcome_of(
    delivery: Delivery | StoredAnswer, *, replayed: bool = False
) -> IntakeOutcome:
    """The answer for a delivery; a retry gets the current state back (status 200)."""
    body = {"status": delivery.status, "lead": delivery.reference}
    if delivery.status == DeliveryStatus.REJECTED:
        body = error_body("invalid", summarise(delivery.errors), delivery.errors)
    elif delivery.status == DeliveryStatus.QUARANTINED:
        body["detail"] = str(QUARANTINE_DETAIL)
    status = delivery.http_status or 200
    if replayed and status < 400:
        status = 200
    return IntakeOutcome(status, body, replayed)


QUARANTINE_DETAIL = gettext_lazy(
    "Held without creating a customer: the lead carries no consent evidence "
    "(consent.notice_version and consent.agreed_at)."
)


RATE_WINDOW = 60
COUNTER_SECONDS = RATE_WINDOW + 5  # a minute's counter outlives its minute a little


@dataclass(frozen=True)
class Admission:
    """A delivery's one cache round trip, made before anything is checked: the firm's
    generation and cached firm and integration (``cached_target``, for
    ``selectors.intake_target``), the integration's count this minute with this
    delivery, and whether it took the firm's drain flag. A delivery refused after it
    gives both back (``intake_refused``), so requests that fail the signature never
    use up an integration's allowance."""

    counter: str
    cached_target: tuple
    count: int
    owns_drain: bool
    drain_flag: str
    window_left: int
    key_seen_before: bool = False

    def wait_seconds(self, integration: Integration) -> int:
        """Seconds until the next minute when the allowance is used up, else 0."""
        if self.count <= integration.rate_limit_per_minute:
            return 0
        return self.window_left


# How long a delivery's key is remembered in the cache as seen: a retry within it is
# answered from the stored row without screening the body again (after it, as new).
KEY_SEEN_SECONDS = 120


def intake_admit(integration_key: str, slug: str, idempotency_key: str) -> Admission:
    """Count a delivery against its integration's per-minute allowance (a fixed
    window in the shared cache, so every web worker counts against one number), take
    the firm's drain flag if no drain is on its way, note its key as seen, and read
    the firm's cached firm and integration: one round trip."""
    now = int(time.time())
    counter = "intake:rate:%s:%d" % (integration_key, now // RATE_WINDOW)
    flag = drain_flag(slug)
    flags = [(flag, DRAIN_FLAG_SECONDS)]
    if idempotency_key:
        seen_key = "intake:seen:%s:%s" % (integration_key, idempotency_key)
        flags.append((seen_key, KEY_SEEN_SECONDS))
    reads = [firm_generation.name(slug), selectors.target_entry(integration_key)]
    (generation, entry), count, took = read_count_take(
        reads, counter, COUNTER_SECONDS, flags
    )
    return Admission(
        counter=counter,
        cached_target=(generation, entry),
        count=count,
        owns_drain=took[0],
        drain_flag=flag,
        window_left=RATE_WINDOW - now % RATE_WINDOW,
        key_seen_before=bool(idempotency_key) and not took[1],
    )


def intake_refused(admission: Admission, *, counted: bool = False) -> None:
    """A delivery refused without being stored: its count back (unless it was
    ``counted``: over the limit, it stays counted) and the drain flag let go if it
    took it."""
    flag = admission.drain_flag if admission.owns_drain else None
    if counted:
        if flag is not None:
            cache.delete(flag)
        return
    give_back(admission.counter, COUNTER_SECONDS, flag)


def intake_receive(
    *,
    tenant: Tenant,
    integration: Integration,
    idempotency_key: str,
    body: bytes,
    remote_ip: str | None = None,
    admission: Admission | None = None,
) -> IntakeOutcome:
    """Store a verified delivery and answer at once, exactly once per key: field
    errors (400), held for lack of consent (202 quarantined), or queued for the worker
    that turns it into a lead a moment later (202 queued). A body that is not a JSON
    object in UTF-8 is refused (400) without being stored.

    A new or retried delivery is stored, or found, in one round trip on PostgreSQL
    (``store.store_in_one_trip``); a quarantined one (it writes an audit entry), a
    reused key and the correction of a rejected delivery take the transaction
    below."""
    if admission is not None and admission.key_seen_before:
        known = _answer_known(tenant, integration, idempotency_key, body, admission)
        if known is not None:
            return known
    payload = parse_payload(body)
    if payload is None:
        fields = not_an_object()
        _hand_to_worker(tenant, admission, queued=False)  # a taken drain flag
        return IntakeOutcome(400, error_body("invalid", summarise(fields), fields))
    text = body.decode("utf-8")
    lead, errors = _screen_as(tenant, integration, payload)
    delivery = Delivery(
        tenant=tenant,
        integration=integration,
        idempotency_key=idempotency_key,
        body_sha256=hashlib.sha256(body).hexdigest(),
        remote_ip=remote_ip or None,
    )
    delivery.set_secret("payload", text)
    apply_screening(delivery, lead, errors)
    if delivery.status != DeliveryStatus.QUARANTINED and one_trip_possible():
        inserted, found = store_in_one_trip(delivery)
        if inserted or (found and found.body_sha256 == delivery.body_sha256):
            queued = inserted and delivery.status == DeliveryStatus.QUEUED
            _hand_to_worker(tenant, admission, queued=queued)
            return outcome_of(found or delivery, replayed=not inserted)
    with tenant_context(tenant), audit_staging(tenant.pk):
        return _receive(tenant, delivery, text, lead, errors, admission)


def _answer_known(tenant, integration, idempotency_key, body, admission):
    """A retry of a key seen a moment ago: the stored delivery's current answer,
    read in one round trip without screening or sealing the body again; None when
    it is not stored (yet) or the body differs (the full path decides)."""
    if not one_trip_possible():
        return None
    found = find_in_one_trip(tenant.pk, integration.pk, idempotency_key)
    if found is None or found.body_sha256 != hashlib.sha256(body).hexdigest():
        return None
    _hand_to_worker(tenant, admission, queued=False)
    return outcome_of(found, replayed=True)


def _screen_as(tenant: Tenant, integration: Integration, payload: dict):
    """``screen_payload`` with the firm's custom fields read inside its context when
    the mapping targets any (the common mapping needs no query)."""
    if not needs_custom_fields(integration):
        return screen_payload(integration, payload)
    with tenant_context(tenant):
        return screen_payload(integration, payload)


@transaction.atomic(savepoint=False)
def _receive(tenant, delivery, text, lead, errors, admission) -> IntakeOutcome:
    """No savepoint: nothing here is caught and rolled back on its own. The unique
    ``(integration, idempotency_key)`` makes a concurrent retry's insert wait for this
    transaction and then come back empty, so it answers with the stored outcome."""
    if insert_new(delivery):
        if delivery.status == DeliveryStatus.QUARANTINED:
            audit_quarantine(delivery, actor=None)
        outcome, stored = outcome_of(delivery), delivery
    else:
        outcome, stored = _answer_again(delivery, text, lead, errors)
    queued = stored is not None and stored.status == DeliveryStatus.QUEUED
    transaction.on_commit(lambda: _hand_to_worker(tenant, admission, queued=queued))
    return outcome


def _hand_to_worker(tenant: Tenant, admission: Admission | None, *, queued: bool):
    """After the commit: whoever took the drain flag asks for the drain (even when
    its own delivery turned out to be a retry: a taken flag must lead to a drain);
    a caller without an admission asks when it queued a delivery."""
    if admission is not None:
        if admission.owns_drain:
            request_drain(tenant)
    elif queued:
        schedule_drain(tenant)


def _answer_again(new: Delivery, text: str, lead: MappedLead | None, errors: dict):
    """A key seen before: the stored answer for the same body, a conflict for another
    one, unless the first was rejected and this is its correction. With the outcome
    comes the delivery when this changed it (a correction), else None.

    Only a correction locks the row: a retry that locked it would make the worker,
    which skips locked rows, pass over a delivery it is about to process."""
    delivery = stored(new, lock=False)
    if (
        delivery.body_sha256 != new.body_sha256
        and delivery.status == DeliveryStatus.REJECTED
    ):
        delivery = stored(new, lock=True)
    if delivery.body_sha256 == new.body_sha256:
        return outcome_of(delivery, replayed=True), None
    if delivery.status != DeliveryStatus.REJECTED:
        detail = _("This Idempotency-Key was already used for another body.")
        return IntakeOutcome(409, error_body("idempotency_key_reused", detail)), None
    delivery.body_sha256 = new.body_sha256
    delivery.set_secret("payload", text)
    apply_screening(delivery, lead, errors)
    delivery.save(
        update_fields=[
            "body_sha256",
            *Delivery.secret_columns("payload"),
            *OUTCOME_FIELDS,
        ]
    )
    return outcome_of(delivery), delivery
