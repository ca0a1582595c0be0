"""Every write to acquisition: channels, ad accounts, spend, privacy notices, consent,
attribution, traffic-platform integrations and their deliveries."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.acquisition import selectors
from lenddesk.acquisition.drain import (
    BATCH,
    OUTCOME_FIELDS,
    apply_screening,
    audit_quarantine,
    drain_batch,
    make_leads,
    needs_custom_fields,
    screen,
)
from lenddesk.acquisition.intake import (
    MappedLead,
    new_key,
    new_secret,
    validate_mapping,
)
from lenddesk.acquisition.models import (
    AdAccount,
    AdSpend,
    AssignMode,
    Attribution,
    Channel,
    ChannelKind,
    ConsentRecord,
    ConsentSource,
    Delivery,
    DeliveryStatus,
    Integration,
    PrivacyNotice,
)
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff, staged_audit
from lenddesk.customers.models import DuplicatePolicy
from lenddesk.tenancy import generation as firm_generation
from lenddesk.tenancy.context import (
    fetch_one_as_tenant,
    one_trip_possible,
    require_current_tenant,
    tenant_context,
)
from lenddesk.tenancy.models import Tenant, TenantStatus
from lenddesk.web.api import summarise
from lenddesk.web.cache import give_back, read_count_take

logger = logging.getLogger(__name__)

# --- channels ---------------------------------------------------------------------


def channel_for(*, name: str, kind: str) -> Channel:
    """The firm's channel of this name, created with ``kind`` the first time."""
    name = (name or "").strip()[:60]
    if not name:
        raise ValidationError({"channel": _("Enter the channel's name.")})
    if kind not in ChannelKind.values:
        kind = ChannelKind.OTHER
    channel = Channel.objects.filter(name=name).first()
    if channel is not None:
        return channel
    try:
        with transaction.atomic():
            return Channel.objects.create(name=name, kind=kind)
    except IntegrityError:
        # Another request created it between our read and our insert.
        return Channel.objects.get(name=name)


# --- privacy notices and consent ----------------------------------------------------


def current_notice() -> PrivacyNotice | None:
    """The latest published version of the firm's privacy notice."""
    return PrivacyNotice.objects.order_by("-published_at", "-pk").first()


@transaction.atomic
def notice_publish(*, actor, version: str, text: str) -> PrivacyNotice:
    version, text = (version or "").strip(), (text or "").strip()
    errors = {}
    if not version:
        errors["version"] = _("Enter a version, for example 2026-01.")
    elif len(version) > 20:
        errors["version"] = _("Use at most 20 characters.")
    elif PrivacyNotice.objects.filter(version=version).exists():
        errors["version"] = _("This version is already published; use a new one.")
    if not text:
        errors["text"] = _("Enter the text of the notice.")
    if errors:
        raise ValidationError(errors)
    notice = PrivacyNotice.objects.create(version=version, text=text)
    audit_record(
        actor=actor,
        action=AuditAction.NOTICE_PUBLISHED,
        target=notice,
        changes={"version": version},
    )
    return notice


@transaction.atomic
def consent_record(
    *,
    customer,
    notice_version: str,
    source: str,
    source_ref: str = "",
    purposes=(),
    evidence: dict | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """Keep the evidence that a person agreed to a notice version (PIPL Art. 14/29).
    ``customer`` may be None for evidence kept before a lead becomes a customer."""
    notice_version = (notice_version or "").strip()
    if not notice_version:
        raise ValidationError(
            {"notice_version": _("Say which privacy-notice version was agreed to.")}
        )
    if source not in ConsentSource.values:
        raise ValidationError({"source": _("Unknown consent source.")})
    record = ConsentRecord.objects.create(
        customer=customer,
        notice=PrivacyNotice.objects.filter(version=notice_version).first(),
        notice_version=notice_version[:40],
        source=source,
        source_ref=(source_ref or "")[:80],
        purposes=[str(p)[:60] for p in purposes or ()],
        evidence=evidence or {},
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        given_at=timezone.now(),
    )
    if source != ConsentSource.STAFF:
        # Evidence from a form, platform or partner is itself the append-only record;
        # only a consent typed in by staff is a staff action worth auditing.
        return record
    audit_record(
        actor=None,
        action=AuditAction.CONSENT_RECORDED,
        target=record,
        object_repr=str(customer) if customer is not None else notice_version,
        changes={
            "customer": getattr(customer, "pk", None),
            "notice_version": record.notice_version,
            "source": source,
            "source_ref": record.source_ref,
        },
    )
    return record


# --- attribution --------------------------------------------------------------------

_ATTRIBUTION_PARTS = ("channel", "ad_account", "campaign", "sharer", "partner")


@transaction.atomic
def attribution_record(
    *,
    customer,
    source_kind: str,
    channel=None,
    ad_account=None,
    campaign: str = "",
    sharer=None,
    partner=None,
    source_ref: str = "",
) -> Attribution:
    """First touch wins: a customer's existing attribution is kept and only its empty
    parts are filled in by a later touch."""
    if source_kind not in ChannelKind.values:
        source_kind = ChannelKind.OTHER
    if channel is None and ad_account is not None:
        channel = ad_account.channel
    given = {
        "channel": channel,
        "ad_account": ad_account,
        "campaign": (campaign or "")[:80],
        "sharer": sharer,
        "partner": partner,
    }
    attribution = (
        Attribution.objects.select_for_update().filter(customer=customer).first()
    )
    if attribution is None:
        try:
            with transaction.atomic():
                return Attribution.objects.create(
                    customer=customer,
                    source_kind=source_kind,
                    source_ref=(source_ref or "")[:120],
                    **given,
                )
        except IntegrityError:
            attribution = Attribution.objects.select_for_update().get(customer=customer)
    changed = []
    for part in _ATTRIBUTION_PARTS:
        value = given[part]
        if value and not getattr(attribution, part):
            setattr(attribution, part, value)
            changed.append(part)
    if not attribution.source_ref and source_ref:
        attribution.source_ref = source_ref[:120]
        changed.append("source_ref")
    if changed:
        attribution.save(update_fields=changed)
    return attribution


# --- channels, ad accounts and spend (staff pages) ------------------------------------


def _clean_name(value, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("Enter a name.")})
    if len(value) > limit:
        raise ValidationError({field: _("Use at most %d characters.") % limit})
    return value


@transaction.atomic
def channel_save(
    *, actor, channel: Channel | None = None, name: str, kind: str, active: bool = True
) -> Channel:
    name = _clean_name(name, "name", 60)
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": _("Choose a kind of channel.")})
    taken = Channel.objects.filter(name=name)
    if channel is not None:
        taken = taken.exclude(pk=channel.pk)
    if taken.exists():
        raise ValidationError({"name": _("A channel with this name already exists.")})
    before = (
        {"name": channel.name, "kind": channel.kind, "active": channel.active}
        if channel
        else {}
    )
    channel = channel or Channel()
    channel.name, channel.kind, channel.active = name, kind, active
    channel.save()
    audit_record(
        actor=actor,
        action=AuditAction.CHANNEL_SAVED,
        target=channel,
        changes=diff(before, {"name": name, "kind": kind, "active": active}),
    )
    return channel


@transaction.atomic
def ad_account_save(
    *,
    actor,
    account: AdAccount | None = None,
    channel: Channel,
    name: str,
    external_id: str = "",
    active: bool = True,
) -> AdAccount:
    name = _clean_name(name, "name", 80)
    external_id = (external_id or "").strip()[:80]
    taken = AdAccount.objects.filter(channel=channel, name=name)
    if account is not None:
        taken = taken.exclude(pk=account.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("This channel already has an ad account with this name.")}
        )
    before = (
        {
            "channel": account.channel_id,
            "name": account.name,
            "external_id": account.external_id,
            "active": account.active,
        }
        if account
        else {}
    )
    account = account or AdAccount()
    account.channel, account.name = channel, name
    account.external_id, account.active = external_id, active
    account.save()
    audit_record(
        actor=actor,
        action=AuditAction.AD_ACCOUNT_SAVED,
        target=account,
        changes=diff(
            before,
            {
                "channel": channel.pk,
                "name": name,
                "external_id": external_id,
                "active": active,
            },
        ),
    )
    return account


@transaction.atomic
def spend_save(
    *,
    actor,
    ad_account: AdAccount,
    period_start,
    period_end,
    amount,
    campaign: str = "",
    note: str = "",
) -> AdSpend:
    """Enter (or correct) what was spent on an account/campaign over a period."""
    errors = {}
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        if not amount.is_finite() or amount < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = _("Enter an amount of 0 or more.")
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = _("The end of the period is before its start.")
    if errors:
        raise ValidationError(errors)
    campaign = (campaign or "").strip()[:80]
    spend = AdSpend.objects.filter(
        ad_account=ad_account, campaign=campaign, period_start=period_start
    ).first()
    before = (
        {"amount": str(spend.amount), "period_end": str(spend.period_end)}
        if spend
        else {}
    )
    spend = spend or AdSpend(
        ad_account=ad_account,
        campaign=campaign,
        period_start=period_start,
        created_by=actor,
    )
    spend.period_end, spend.amount, spend.note = period_end, amount, (note or "")[:200]
    spend.save()
    audit_record(
        actor=actor,
        action=AuditAction.SPEND_SAVED,
        target=spend,
        changes={
            "ad_account": ad_account.pk,
            "campaign": campaign,
            "period": [str(period_start), str(period_end)],
            **diff(before, {"amount": str(amount), "period_end": str(period_end)}),
        },
    )
    return spend


# --- integrations ---------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrationSecret:
    integration: Integration
    secret: str  # shown once; only the encrypted form is stored


def _integration_values(values: dict) -> dict:
    errors = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = _("Enter a name.")
    elif len(name) > 60:
        errors["name"] = _("Use at most 60 characters.")
    mapping, problems = validate_mapping(values.get("field_mapping") or {})
    if problems:
        errors["field_mapping"] = problems
    policy = values.get("duplicate_policy") or ""
    if policy and policy not in DuplicatePolicy.values:
        errors["duplicate_policy"] = _("Choose a duplicate policy.")
    mode = values.get("assign_mode") or AssignMode.RULES
    if mode not in AssignMode.values:
        errors["assign_mode"] = _("Choose how new leads are assigned.")
    elif mode == AssignMode.RULE and not values.get("allocation_rule"):
        errors["allocation_rule"] = _("Choose the allocation rule.")
    rate = values.get("rate_limit_per_minute") or 600
    if not isinstance(rate, int) or rate < 1 or rate > 100_000:
        errors["rate_limit_per_minute"] = _("Enter 1 to 100000 deliveries per minute.")
    if values.get("channel") is None:
        errors["channel"] = _("Choose the channel new leads are attributed to.")
    account = values.get("ad_account")
    channel = values.get("channel")
    if account is not None and channel is not None and account.channel_id != channel.pk:
        errors["ad_account"] = _("This ad account belongs to another channel.")
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "field_mapping": mapping,
        "channel": values["channel"],
        "ad_account": account,
        "campaign": (values.get("campaign") or "").strip()[:80],
        "assign_mode": mode,
        "allocation_rule": values.get("allocation_rule")
        if mode == AssignMode.RULE
        else None,
        "duplicate_policy": policy,
        "rate_limit_per_minute": rate,
        "active": bool(values.get("active", True)),
    }


def _integration_snapshot(integration: Integration) -> dict:
    return {
        "name": integration.name,
        "field_mapping": integration.field_mapping,
        "channel": integration.channel_id,
        "ad_account": integration.ad_account_id,
        "campaign": integration.campaign,
        "assign_mode": integration.assign_mode,
        "allocation_rule": integration.allocation_rule_id,
        "duplicate_policy": integration.duplicate_policy,
        "rate_limit_per_minute": integration.rate_limit_per_minute,
        "active": integration.active,
    }


@transaction.atomic
def integration_create(*, actor, values: dict) -> IntegrationSecret:
    clean = _integration_values(values)
    if Integration.objects.filter(name=clean["name"]).exists():
        raise ValidationError({"name": _("An integration with this name exists.")})
    tenant = require_current_tenant()
    integration = Integration(**clean, key=new_key(tenant.slug), created_by=actor)
    secret = new_secret()
    integration.set_secret("secret", secret)
    integration.save()
    audit_record(
        actor=actor,
        action=AuditAction.INTEGRATION_SAVED,
        target=integration,
        changes={"created": _integration_snapshot(integration), "secret": True},
    )
    return IntegrationSecret(integration, secret)


@transaction.atomic
def integration_update(*, actor, integration: Integration, values: dict) -> Integration:
    clean = _integration_values(values)
    taken = Integration.objects.filter(name=clean["name"]).exclude(pk=integration.pk)
    if taken.exists():
        raise ValidationError({"name": _("An integration with this name exists.")})
    before = _integration_snapshot(integration)
    for name, value in clean.items():
        setattr(integration, name, value)
    integration.save()
    audit_record(
        actor=actor,
        action=AuditAction.INTEGRATION_SAVED,
        target=integration,
        changes=diff(before, _integration_snapshot(integration)),
    )
    return integration


@transaction.atomic
def integration_rotate_secret(*, actor, integration: Integration) -> IntegrationSecret:
    """A new secret, shown once; the old one stops working at once."""
    secret = new_secret()
    integration.set_secret("secret", secret)
    integration.secret_rotated_at = timezone.now()
    integration.save(
        update_fields=[*Integration.secret_columns("secret"), "secret_rotated_at"]
    )
    audit_record(
        actor=actor,
        action=AuditAction.INTEGRATION_SECRET_ROTATED,
        target=integration,
        changes={"secret": True},
    )
    return IntegrationSecret(integration, secret)


# --- intake deliveries ----------------------------------------------------------------

DRAIN_ATTEMPTS = 2
_IDEMPOTENCY_UNIQUE = "acquisition_delivery_idempotency_unique"


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
        body = {
            "error": "invalid",
            "detail": summarise(delivery.errors),
            "fields": delivery.errors,
            "lead": delivery.reference,
        }
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


def audit_staging(tenant_id: int):
    """On PostgreSQL, stage a block's audit entries and chain them at its end (as
    TenantMiddleware does for signed-in requests), so the firm's chain-head lock is
    held only from then until the commit."""
    if connection.vendor != "postgresql":
        return nullcontext()
    return staged_audit(tenant_id)


RATE_WINDOW = 60


@dataclass(frozen=True)
class Admission:
    """A delivery's one cache round trip, made before anything is checked: the firm's
    generation and cached firm and integration (``seen``, for
    ``selectors.intake_target``), the integration's count this minute with this
    delivery, and whether it took the firm's drain flag. A delivery refused after it
    gives both back (``intake_refused``), so requests that fail the signature never
    use up an integration's allowance."""

    counter: str
    seen: tuple
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
        reads, counter, RATE_WINDOW + 5, flags
    )
    return Admission(
        counter=counter,
        seen=(generation, entry),
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
    give_back(admission.counter, RATE_WINDOW + 5, flag)


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
    that turns it into a lead a moment later (202 queued).

    A new or retried delivery is stored, or found, in one round trip on PostgreSQL
    (``_store_in_one_trip``); a quarantined one (it writes an audit entry), a reused
    key and the correction of a rejected delivery take the transaction below."""
    if admission is not None and admission.key_seen_before:
        known = _answer_known(tenant, integration, idempotency_key, body, admission)
        if known is not None:
            return known
    text = body.decode("utf-8", errors="replace")
    lead, errors = _screen_as(tenant, integration, body)
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


def _screen_as(tenant: Tenant, integration: Integration, body: bytes):
    """``screen`` with the firm's custom fields read inside its context when the
    mapping targets any (the common mapping needs no query)."""
    if not needs_custom_fields(integration):
        return screen(integration, body)
    with tenant_context(tenant):
        return screen(integration, body)


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
    fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: sixteen lookups fewer
    values = [f.get_db_prep_save(f.pre_save(delivery, add=True), db) for f in fields]
    row = fetch_one_as_tenant(
        delivery.tenant_id,
        "lenddesk_intake_store",
        _one_trip_sql(tuple(f.column for f in fields)),
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


def _insert_new(delivery: Delivery) -> bool:
    """``INSERT … ON CONFLICT (tenant, integration, idempotency key) DO NOTHING
    RETURNING id``: one statement, where a savepoint and a caught IntegrityError took
    three. False when the key is taken (by a committed row: a concurrent insert of
    the same key is waited for). The columns are the model's own, prepared by its
    fields, so the payload is stored exactly as ``set_secret`` sealed it."""
    meta = Delivery._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [
        f.get_db_prep_save(f.pre_save(delivery, add=True), connection) for f in fields
    ]
    returning = connection.features.can_return_columns_from_insert
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(tuple(f.column for f in fields), returning), values)
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
    unique = next(c for c in meta.constraints if c.name == _IDEMPOTENCY_UNIQUE)
    target = [meta.get_field(name).column for name in unique.fields]
    sql = "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO NOTHING" % (  # noqa: S608 - the model's own names; values are parameters
        quote(meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
        ", ".join(quote(c) for c in target),
    )
    return sql + (" RETURNING %s" % quote(meta.pk.column) if returning else "")


def _process(delivery: Delivery, *, actor=None) -> None:
    """Turn a stored delivery into a lead (the worker) or try it again (a replay)."""
    make_leads([delivery], actor=actor)


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
    _process(delivery, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_REPLAYED,
        target=delivery,
        object_repr=delivery.integration.name,
        changes={"status": [before, delivery.status], "lead": delivery.reference},
    )
    return delivery


# --- the worker's drain -----------------------------------------------------------------


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
    """Set-based batches (``acquisition.drain``), each in one transaction whose audit
    entries are chained at its commit. A batch that fails is rolled back and its
    deliveries processed one by one, where a failing one is finally marked rejected.
    With a ``limit``, one by one throughout (exactly that many)."""
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
                delivery = _take_queued(pk, wait=wait)
                if delivery is None:
                    return False
                _process(delivery)
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


def _take_queued(pk: int, *, wait: bool) -> Delivery | None:
    return (
        Delivery.objects.select_for_update(skip_locked=not wait, of=("self",))
        .select_related(
            "integration__channel",
            "integration__ad_account",
            "integration__allocation_rule",
        )
        .filter(pk=pk, status=DeliveryStatus.QUEUED)
        .first()
    )


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


PROCESSING_FAILED = gettext_lazy(
    "This lead could not be turned into a customer because of an error on our side; "
    "the firm can replay it."
)
