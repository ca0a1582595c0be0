"""Every write to acquisition: channels, ad accounts, spend, privacy notices, consent,
attribution, traffic-platform integrations, replays of their deliveries and the
worker's drain (a delivery itself is received in ``receiving.py``)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import (
    IntegrityError,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.acquisition.drain import (
    BATCH,
    drain_batch,
    make_leads,
)
from lenddesk.acquisition.intake import (
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
from lenddesk.audit.services import audit_record, audit_staging, diff
from lenddesk.customers.models import DuplicatePolicy
from lenddesk.tenancy.context import (
    require_current_tenant,
    tenant_context,
)
from lenddesk.tenancy.models import Tenant, TenantStatus

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
