"""Receiving a traffic platform's delivery: the one cache round trip that counts it
(``intake_admit``), storing or finding it exactly once per idempotency key
(``intake_receive``), the answer (``outcome_of``) and handing it to the worker.

On PostgreSQL with no transaction open (the production handler for machine
endpoints, decision 0003) a delivery is stored or found in one round trip; inside a
caller's transaction and on SQLite, in the firm's transaction through the ORM, with
the same answers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.acquisition import selectors
from lenddesk.acquisition.drain import (
    OUTCOME_FIELDS,
    apply_screening,
    audit_quarantine,
    needs_custom_fields,
    not_an_object,
    parse_payload,
    screen_payload,
)
from lenddesk.acquisition.intake import MappedLead
from lenddesk.acquisition.models import Delivery, DeliveryStatus, Integration
from lenddesk.audit.services import audit_staging
from lenddesk.tenancy import generation as firm_generation
from lenddesk.tenancy.context import (
    fetch_one_as_tenant,
    one_trip_possible,
    tenant_context,
)
from lenddesk.tenancy.models import Tenant
from lenddesk.web.api import error_body, summarise
from lenddesk.web.cache import give_back, read_count_take

IDEMPOTENCY_UNIQUE = "acquisition_delivery_idempotency_unique"


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
    from lenddesk.acquisition.tasks import DRAIN_FLAG_SECONDS, drain_flag

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
    (``_store_in_one_trip``); a quarantined one (it writes an audit entry), a reused
    key and the correction of a rejected delivery take the transaction below."""
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
        inserted, stored = _store_in_one_trip(delivery)
        if inserted or (stored and stored.body_sha256 == delivery.body_sha256):
            queued = inserted and delivery.status == DeliveryStatus.QUEUED
            _hand_to_worker(tenant, admission, queued=queued)
            return outcome_of(stored or delivery, replayed=not inserted)
    with tenant_context(tenant), audit_staging(tenant.pk):
        return _receive(tenant, delivery, text, lead, errors, admission)


def _answer_known(tenant, integration, idempotency_key, body, admission):
    """A retry of a key seen a moment ago: the stored delivery's current answer,
    read in one round trip without screening or sealing the body again; None when
    it is not stored (yet) or the body differs (the full path decides)."""
    if not one_trip_possible():
        return None
    row = fetch_one_as_tenant(
        tenant.pk,
        "lenddesk_intake_find",
        _find_sql(),
        [tenant.pk, integration.pk, idempotency_key],
    )
    if row is None or row[2] != hashlib.sha256(body).hexdigest():
        return None
    _hand_to_worker(tenant, admission, queued=False)
    return outcome_of(_stored_answer(row), replayed=True)


@functools.cache
def _find_sql() -> str:
    quote = connection.ops.quote_name
    return "SELECT %s FROM %s WHERE %s = %%s AND %s = %%s AND %s = %%s" % (  # noqa: S608 - the model's own names
        ", ".join(map(quote, STORED_ANSWER)),
        quote(Delivery._meta.db_table),
        quote("tenant_id"),
        quote("integration_id"),
        quote("idempotency_key"),
    )


# The columns a stored delivery is answered from (outcome_of), in this order.
STORED_ANSWER = ("id", "row_key", "body_sha256", "status", "http_status", "errors")


@dataclass(frozen=True)
class StoredAnswer:
    """What ``outcome_of`` needs of a stored delivery, read without the model."""

    pk: int
    row_key: object
    body_sha256: str
    status: str
    http_status: int
    errors: dict

    @property
    def reference(self) -> str:
        return str(self.row_key)


def _stored_answer(row) -> StoredAnswer:
    pk, row_key, body_sha256, status, http_status, errors = row
    if isinstance(errors, str):
        errors = json.loads(errors)
    return StoredAnswer(pk, row_key, body_sha256, status, http_status, errors or {})


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
    if _insert_new(delivery):
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
    from lenddesk.acquisition.tasks import request_drain, schedule_drain

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
    delivery = _stored(new, lock=False)
    if (
        delivery.body_sha256 != new.body_sha256
        and delivery.status == DeliveryStatus.REJECTED
    ):
        delivery = _stored(new, lock=True)
    if delivery.body_sha256 == new.body_sha256:
        return outcome_of(delivery, replayed=True), None
    if delivery.status != DeliveryStatus.REJECTED:
        return IntakeOutcome(
            409,
            {
                "error": "idempotency_key_reused",
                "detail": str(
                    _("This Idempotency-Key was already used for another body.")
                ),
                "fields": {},
            },
        ), None
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


def _stored(new: Delivery, *, lock: bool) -> Delivery:
    rows = Delivery.objects.select_for_update() if lock else Delivery.objects
    delivery = rows.filter(
        integration=new.integration, idempotency_key=new.idempotency_key
    ).first()
    if delivery is None:  # pragma: no cover - deleted between insert and read
        raise IntegrityError("The delivery of this key disappeared; retry.")
    return delivery


def _store_in_one_trip(delivery: Delivery) -> tuple[bool, StoredAnswer | None]:
    """Insert the delivery unless its key is taken, and read the stored one when it
    is, in one statement sent with the firm's setting in one message: (True, None)
    when inserted; (False, the stored delivery) for a key seen before; (False, None)
    when another request's insert of the same key committed after this statement
    began (the transaction path then reads it)."""
    columns, values = _insert_values(delivery)
    row = fetch_one_as_tenant(
        delivery.tenant_id,
        "lenddesk_intake_store",
        _one_trip_sql(columns),
        [
            *values,
            delivery.tenant_id,
            delivery.integration_id,
            delivery.idempotency_key,
        ],
    )
    if row is None:
        return False, None
    inserted, *answer = row
    if inserted:
        delivery.pk = answer[0]
        delivery._state.adding = False
        delivery._state.db = connection.alias
        return True, None
    return False, _stored_answer(answer)


@functools.cache
def _one_trip_sql(columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    answer = STORED_ANSWER
    return (  # noqa: S608 - the model's own names; values are parameters
        "WITH new AS (%(insert)s) "
        "SELECT true, %(new)s FROM new "
        "UNION ALL "
        "SELECT false, %(stored)s FROM %(table)s "
        "WHERE %(tenant)s = %%s AND %(integration)s = %%s AND %(key)s = %%s "
        "AND NOT EXISTS (SELECT FROM new)"
    ) % {
        "insert": _insert_sql(columns, True).replace(
            "RETURNING %s" % quote("id"), "RETURNING " + ", ".join(map(quote, answer))
        ),
        "new": ", ".join("new.%s" % quote(c) for c in answer),
        "stored": ", ".join(quote(c) for c in answer),
        "table": quote(Delivery._meta.db_table),
        "tenant": quote("tenant_id"),
        "integration": quote("integration_id"),
        "key": quote("idempotency_key"),
    }


def _insert_values(delivery: Delivery) -> tuple[tuple[str, ...], list]:
    """The delivery's columns and their values as its fields prepare them for the
    database (so the payload is stored exactly as ``set_secret`` sealed it)."""
    fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: sixteen lookups fewer
    values = [f.get_db_prep_save(f.pre_save(delivery, add=True), db) for f in fields]
    return tuple(f.column for f in fields), values


def _insert_new(delivery: Delivery) -> bool:
    """``INSERT … ON CONFLICT (tenant, integration, idempotency key) DO NOTHING
    RETURNING id``: one statement, where a savepoint and a caught IntegrityError took
    three. False when the key is taken (by a committed row: a concurrent insert of
    the same key is waited for)."""
    columns, values = _insert_values(delivery)
    returning = connection.features.can_return_columns_from_insert
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(columns, returning), values)
        if returning:
            row = cursor.fetchone()
            pk = row[0] if row else None
        else:  # SQLite before 3.35
            pk = cursor.lastrowid if cursor.rowcount == 1 else None
    if pk is None:
        return False
    delivery.pk = pk
    delivery._state.adding = False
    delivery._state.db = connection.alias
    return True


@functools.cache
def _insert_sql(columns: tuple[str, ...], returning: bool) -> str:
    meta = Delivery._meta
    quote = connection.ops.quote_name
    unique = next(c for c in meta.constraints if c.name == IDEMPOTENCY_UNIQUE)
    target = [meta.get_field(name).column for name in unique.fields]
    sql = "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO NOTHING" % (  # noqa: S608 - the model's own names; values are parameters
        quote(meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
        ", ".join(quote(c) for c in target),
    )
    return sql + (" RETURNING %s" % quote(meta.pk.column) if returning else "")
