"""Every write to acquisition: channels, ad accounts, spend, privacy notices, consent,
attribution, traffic-platform integrations and their deliveries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.acquisition.intake import (
    catalogue,
    map_payload,
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
from lenddesk.audit.services import audit_record, diff
from lenddesk.customers.allocation import allocate
from lenddesk.customers.models import Customer, DuplicatePolicy
from lenddesk.customers.services import customer_create, pool_rules
from lenddesk.security.crypto import (
    blind_index,
    normalize_phone,
    validate_national_id,
)
from lenddesk.tenancy.context import require_current_tenant
from lenddesk.web.api import summarise, validation_fields

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


@dataclass(frozen=True)
class IntakeOutcome:
    http_status: int
    body: dict
    replayed: bool = False


def outcome_of(delivery: Delivery, *, replayed: bool = False) -> IntakeOutcome:
    """The answer for a delivery; a retry gets the same body back (status 200)."""
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


@transaction.atomic
def intake_receive(
    *,
    integration: Integration,
    idempotency_key: str,
    body: bytes,
    remote_ip: str | None = None,
) -> IntakeOutcome:
    """Store a verified delivery and turn it into a lead, exactly once per key.

    The delivery row is inserted first; the unique ``(integration, idempotency_key)``
    makes a concurrent retry wait for this transaction and then find the row, so it
    answers with the stored outcome instead of creating a second customer."""
    digest = hashlib.sha256(body).hexdigest()
    text = body.decode("utf-8", errors="replace")
    delivery = Delivery(
        integration=integration,
        idempotency_key=idempotency_key,
        body_sha256=digest,
        remote_ip=remote_ip or None,
    )
    delivery.set_secret("payload", text)
    try:
        with transaction.atomic():
            delivery.save(force_insert=True)
    except IntegrityError:
        delivery = (
            Delivery.objects.select_for_update()
            .filter(integration=integration, idempotency_key=idempotency_key)
            .first()
        )
        if delivery is None:  # pragma: no cover - the other insert rolled back
            raise
        if delivery.body_sha256 == digest:
            return outcome_of(delivery, replayed=True)
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
            )
        # A rejected delivery may be corrected and sent again under the same key.
        delivery.body_sha256 = digest
        delivery.set_secret("payload", text)
        delivery.save(
            update_fields=["body_sha256", *Delivery.secret_columns("payload")]
        )
    _process(delivery, body)
    return outcome_of(delivery)


def _reject(delivery: Delivery, errors: dict) -> None:
    delivery.status, delivery.http_status, delivery.errors = (
        DeliveryStatus.REJECTED,
        400,
        errors,
    )


def _process(delivery: Delivery, body: bytes, *, actor=None) -> None:
    integration = delivery.integration
    delivery.customer = delivery.duplicate_of = None
    delivery.errors = {}
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        _reject(delivery, {"body": [_("Send a JSON object.")]})
    else:
        _process_lead(delivery, integration, payload, actor)
    delivery.processed_at = timezone.now()
    delivery.save(
        update_fields=[
            "status",
            "http_status",
            "errors",
            "customer",
            "duplicate_of",
            "processed_at",
            "replay_count",
        ]
    )


def _process_lead(delivery, integration: Integration, payload: dict, actor) -> None:
    mapping = integration.field_mapping or {}
    needs_custom = any(str(t).startswith("custom_") for t in mapping.values())
    lead = map_payload(payload, mapping, catalogue(custom=needs_custom))
    if lead.errors:
        _reject(delivery, lead.errors)
        return
    if not lead.has_consent:
        delivery.status, delivery.http_status = DeliveryStatus.QUARANTINED, 202
        audit_record(
            actor=actor,
            action=AuditAction.INTAKE_QUARANTINED,
            target=delivery,
            object_repr=integration.name,
            changes={"integration": integration.pk, "lead": delivery.reference},
        )
        return
    data = dict(lead.data)
    data.setdefault("campaign", integration.campaign)
    data["channel"] = integration.channel.name
    values = {
        "actor": actor,
        "data": data,
        "phone": lead.phone,
        "id_number": lead.id_number,
        "to_pool": True,
        "source": _("traffic platform %s") % integration.name,
        "custom_fields": lead.custom_fields or None,
    }
    policy = integration.duplicate_policy or pool_rules().duplicate_policy
    if policy == DuplicatePolicy.REJECT:
        # A platform cannot be told "no": the lead is linked to the existing customer
        # (with a "came in again" follow-up) instead of being refused.
        policy = DuplicatePolicy.MERGE
    _lock_person(lead)
    try:  # customer_create runs in its own savepoint
        result = customer_create(**values, policy=policy)
    except ValidationError as exc:
        _reject(delivery, lead.platform_errors(validation_fields(exc)))
        return
    customer = result.customer
    delivery.duplicate_of = result.duplicate_of
    if result.created:
        delivery.customer = customer
        delivery.status, delivery.http_status = DeliveryStatus.CREATED, 201
        attribution_record(
            customer=customer,
            source_kind=ChannelKind.TRAFFIC,
            channel=integration.channel,
            ad_account=integration.ad_account,
            campaign=data.get("campaign") or "",
            source_ref="integration:%s" % integration.pk,
        )
        _assign_lead(customer, integration, actor)
    else:
        delivery.status, delivery.http_status = DeliveryStatus.DUPLICATE, 200
    consent_record(
        customer=customer,
        notice_version=lead.consent["consent_version"],
        source=ConsentSource.INTAKE,
        source_ref=("integration:%s:%s" % (integration.pk, delivery.idempotency_key))[
            :80
        ],
        evidence={
            "agreed_at": lead.consent["at"].isoformat(),
            "reference": lead.consent.get("consent_ref", ""),
            "integration": integration.name,
            "lead": delivery.reference,
        },
        ip_address=lead.consent.get("ip"),
    )


def _lock_person(lead) -> None:
    """On PostgreSQL, serialise concurrent leads for one phone/ID number (different
    deliveries of one person racing each other) until this transaction ends, so the
    second one finds the first as a duplicate instead of creating a twin."""
    if connection.vendor != "postgresql":
        return
    keys = set()
    for name, raw, normalise in (
        ("phone", lead.phone, normalize_phone),
        ("id_number", lead.id_number, validate_national_id),
    ):
        if not raw:
            continue
        try:
            value = normalise(raw)
        except ValidationError:
            continue  # customer_create reports it
        index = blind_index(value, purpose=Customer.index_purpose(name))
        keys.add(int(index[:15], 16))
    with connection.cursor() as cursor:
        for key in sorted(keys):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _assign_lead(customer: Customer, integration: Integration, actor) -> None:
    if integration.assign_mode == AssignMode.POOL:
        return
    rule = (
        integration.allocation_rule
        if integration.assign_mode == AssignMode.RULE
        else None
    )
    try:
        with transaction.atomic():
            allocate(customer=customer, rule=rule, actor=actor)
    except ValidationError:
        # Nobody can take it now (caps): it waits in the public pool.
        pass


@transaction.atomic
def delivery_replay(*, actor, delivery: Delivery) -> Delivery:
    """Process a stored delivery again with the integration's current settings (after
    fixing a mapping, or once consent evidence is available upstream). A delivery that
    already produced or matched a customer is left alone."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status in (DeliveryStatus.CREATED, DeliveryStatus.DUPLICATE):
        raise ValidationError(
            _("This delivery already reached a customer; replaying it changes nothing.")
        )
    before = delivery.status
    delivery.replay_count += 1
    body = delivery.get_secret("payload").encode("utf-8")
    _process(delivery, body, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_REPLAYED,
        target=delivery,
        object_repr=delivery.integration.name,
        changes={"status": [before, delivery.status], "lead": delivery.reference},
    )
    return delivery
