"""Traffic-platform integrations: their field mapping, channel, duplicate policy,
assignment and allowance, and the signing secret (shown once, stored encrypted)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.acquisition.intake import new_key, new_secret, validate_mapping
from lenddesk.acquisition.models import AssignMode, Integration
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.customers.models import DuplicatePolicy
from lenddesk.tenancy.context import require_current_tenant


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
