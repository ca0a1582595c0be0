"""The firm's calling set-up: provider and rules (one row), caller numbers, the
do-not-call list. Every change audited; credentials never leave encrypted."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer
from lenddesk.customers.services.timeline import timeline
from lenddesk.telephony import audit_actions as A
from lenddesk.telephony.models import (
    CallerNumber,
    DoNotCall,
    NumberStatus,
    ProviderKind,
    TelephonySettings,
)
from lenddesk.telephony.providers.aliyun import AliyunPrivacyProvider
from lenddesk.telephony.providers.simulated import SimulatedProvider
from lenddesk.tenancy.context import require_current_tenant

SETTING_FIELDS = (
    "provider",
    "mode",
    "access_key_id",
    "pool_key",
    "endpoint",
    "quiet_start",
    "quiet_end",
    "user_daily_cap",
    "customer_daily_cap",
    "bench_below_percent",
    "bench_after_calls",
    "bind_minutes",
    "recording_notice",
)


def telephony_settings() -> TelephonySettings:
    """The firm's row, made on first use with a fresh callback secret."""
    config = TelephonySettings.objects.first()
    if config is not None:
        return config
    config = TelephonySettings()
    config.set_secret("callback_secret", secrets.token_urlsafe(32))
    try:
        with transaction.atomic():
            config.save()
    except IntegrityError:
        return TelephonySettings.objects.get()
    return config


def provider_for(config: TelephonySettings):
    callback_secret = config.get_secret("callback_secret") or ""
    if config.provider == ProviderKind.ALIYUN:
        return AliyunPrivacyProvider(
            access_key_id=config.access_key_id,
            access_secret=config.get_secret("access_secret") or "",
            pool_key=config.pool_key,
            endpoint=config.endpoint,
            callback_secret=callback_secret,
            tenant_slug=require_current_tenant().slug,
        )
    return SimulatedProvider(callback_secret)


@transaction.atomic
def settings_update(
    *, actor, values: dict, access_secret: str | None = None
) -> TelephonySettings:
    config = telephony_settings()
    values = {k: v for k, v in values.items() if k in SETTING_FIELDS}
    start = values.get("quiet_start") or config.quiet_start
    end = values.get("quiet_end") or config.quiet_end
    if start >= end:
        raise ValidationError(
            {"quiet_end": _("The end of calling hours must be after the start.")}
        )
    changed = sorted(k for k, v in values.items() if getattr(config, k) != v)
    for key, value in values.items():
        setattr(config, key, value)
    if access_secret:
        config.set_secret("access_secret", access_secret)
        changed.append("access_secret")
    config.full_clean(exclude=["tenant"])
    config.save()
    audit_record(
        actor=actor,
        action=A.SETTINGS_CHANGED,
        target=config,
        changes={"fields": changed},
    )
    return config


def _clean_number(raw: str) -> str:
    number = re.sub(r"[\s-]", "", raw or "")
    if not re.fullmatch(r"\+?\d{5,20}", number):
        raise ValidationError({"number": _("Enter the line's number: 5 to 20 digits.")})
    return number


@transaction.atomic
def number_add(
    *,
    actor,
    number: str,
    label: str = "",
    hourly_cap: int = 30,
    daily_cap: int = 150,
    cooldown_seconds: int = 30,
) -> CallerNumber:
    row = CallerNumber(
        number=_clean_number(number),
        label=(label or "").strip()[:40],
        hourly_cap=hourly_cap,
        daily_cap=daily_cap,
        cooldown_seconds=cooldown_seconds,
    )
    row.tenant = require_current_tenant()
    row.full_clean(exclude=["tenant"], validate_unique=False)
    if CallerNumber.objects.filter(number=row.number).exists():
        raise ValidationError({"number": _("This number is already in the pool.")})
    row.save()
    audit_record(
        actor=actor, action=A.NUMBER_ADDED, target=row, changes={"label": row.label}
    )
    return row


@transaction.atomic
def number_set_status(*, actor, number: CallerNumber, status: str) -> CallerNumber:
    if status not in NumberStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    CallerNumber.objects.filter(pk=number.pk).update(status=status, bench_reason="")
    number.refresh_from_db()
    audit_record(
        actor=actor, action=A.NUMBER_CHANGED, target=number, changes={"status": status}
    )
    return number


@transaction.atomic
def dnc_add(*, actor, customer: Customer, reason: str, by_customer: bool = True):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why this customer must not be called.")}
        )
    row, created = DoNotCall.objects.get_or_create(
        customer=customer,
        defaults={
            "reason": reason[:200],
            "by_customer": by_customer,
            "added_by": actor,
        },
    )
    if created:
        timeline(
            customer,
            actor,
            "do_not_call",
            _("Put on the do-not-call list: %s") % reason[:200],
        )
        audit_record(
            actor=actor,
            action=A.DNC_ADDED,
            target=customer,
            changes={"by_customer": by_customer},
        )
    return row


@transaction.atomic
def dnc_remove(*, actor, customer: Customer) -> bool:
    removed, _rows = DoNotCall.objects.filter(customer=customer).delete()
    if removed:
        timeline(customer, actor, "do_not_call", _("Taken off the do-not-call list"))
        audit_record(actor=actor, action=A.DNC_REMOVED, target=customer)
    return bool(removed)
