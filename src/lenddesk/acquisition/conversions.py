"""Conversion feedback (回传) settings of an integration: on or off, the platform's
callback URL, the events, the stage that counts as qualified, the amount band, and
the signing secret (issued on the first save or on request, shown once, stored
encrypted), and sending a failed callback again. Every change is audited.

The rest of the subject, each in the module its name says: ``conversion_events``
(a stage move becomes outbox rows), ``conversion_delivery`` (the rows go out, with
retries), ``conversion_http`` (the signed request and the URL checks),
``conversion_selectors`` (the delivery log).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.acquisition.conversion_errors import ConversionAudit, ConversionError
from lenddesk.acquisition.conversion_http import url_problem
from lenddesk.acquisition.conversion_models import (
    CallbackStatus,
    ConversionCallback,
    ConversionConfig,
    ConversionEvent,
)
from lenddesk.acquisition.intake import new_secret
from lenddesk.acquisition.models import Integration
from lenddesk.acquisition.tasks import kick_conversions
from lenddesk.audit.services import audit_record, diff
from lenddesk.customers.models import FunnelStage
from lenddesk.tenancy.context import require_current_tenant

FIELDS = ("enabled", "url", "events", "qualified_stage", "send_amount_band")


@dataclass(frozen=True)
class ConversionSaved:
    config: ConversionConfig
    secret: str = ""  # set when this save issued the secret: shown once


def conversion_config(integration: Integration) -> ConversionConfig:
    """The integration's settings; unsaved defaults (off) when it has none yet."""
    config = ConversionConfig.objects.filter(integration=integration).first()
    return config or ConversionConfig(integration=integration)


def qualified_stage_choices() -> list[tuple[str, str]]:
    """The firm's stages a lead can qualify at (any but a lost one), in order."""
    return list(
        FunnelStage.objects.filter(is_lost=False)
        .order_by("order", "id")
        .values_list("key", "name")
    )


def _flag(values: dict, name: str, current: bool, errors: dict) -> bool:
    value = values.get(name, current)
    if not isinstance(value, bool):
        errors[name] = _("Send true or false.")
        return current
    return value


def _events(raw, errors: dict) -> list[str]:
    if not isinstance(raw, list | tuple) or not all(isinstance(e, str) for e in raw):
        errors["events"] = _("Send a list of events.")
        return []
    unknown = [e for e in raw if e not in ConversionEvent.values]
    if unknown:
        errors["events"] = _("Unknown event: %(events)s. Choose from %(known)s.") % {
            "events": ", ".join(unknown)[:100],
            "known": ", ".join(ConversionEvent.values),
        }
        return []
    return [e for e in ConversionEvent.values if e in raw]


def _clean(values: dict, current: ConversionConfig) -> dict:
    """The settings as they will be stored; every refused field is named."""
    errors: dict[str, str] = {}
    enabled = _flag(values, "enabled", current.enabled, errors)
    band = _flag(values, "send_amount_band", current.send_amount_band, errors)
    url = values.get("url", current.url)
    if not isinstance(url, str):
        errors["url"] = _("Enter the address as text.")
        url = ""
    url = url.strip()
    if url:
        problem = url_problem(url)
        if problem:
            errors["url"] = problem
    elif enabled:
        errors["url"] = _("Enter the platform's callback address.")
    events = _events(values.get("events", current.events), errors)
    if enabled and not events and "events" not in errors:
        errors["events"] = _("Choose at least one event.")
    stage = values.get("qualified_stage", current.qualified_stage)
    if stage not in dict(qualified_stage_choices()):
        errors["qualified_stage"] = _("Choose one of the firm's funnel stages.")
    if errors:
        raise ValidationError(
            {
                field: ValidationError(message, code=ConversionError.INVALID)
                for field, message in errors.items()
            }
        )
    return {
        "enabled": enabled,
        "url": url,
        "events": events,
        "qualified_stage": stage,
        "send_amount_band": band,
    }


def _snapshot(config: ConversionConfig) -> dict:
    return {name: getattr(config, name) for name in FIELDS}


def _issue_secret(config: ConversionConfig) -> str:
    secret = new_secret()
    config.set_secret("secret", secret)
    config.secret_issued_at = timezone.now()
    return secret


def _locked_config(integration: Integration) -> ConversionConfig:
    config = (
        ConversionConfig.objects.select_for_update()
        .filter(integration=integration)
        .first()
    )
    return config or ConversionConfig(integration=integration)


@transaction.atomic
def conversion_settings_save(
    *, actor, integration: Integration, values: dict
) -> ConversionSaved:
    """Save the settings (fields missing from ``values`` keep their value). The
    first save issues the signing secret, returned once."""
    config = _locked_config(integration)
    before = _snapshot(config) if config.pk else {}
    for name, value in _clean(values, config).items():
        setattr(config, name, value)
    secret = "" if config.secret_cipher else _issue_secret(config)
    config.save()
    changes = diff(before, _snapshot(config))
    if secret:
        changes["secret"] = True
    if changes:
        audit_record(
            actor=actor,
            action=ConversionAudit.SETTINGS_SAVED,
            target=integration,
            changes=changes,
        )
    return ConversionSaved(config, secret)


@transaction.atomic
def conversion_secret_rotate(*, actor, integration: Integration) -> ConversionSaved:
    """A new signing secret, shown once; callbacks sent from now on use it."""
    config = _locked_config(integration)
    secret = _issue_secret(config)
    config.save()
    audit_record(
        actor=actor,
        action=ConversionAudit.SECRET_ISSUED,
        target=integration,
        changes={"secret": True},
    )
    return ConversionSaved(config, secret)


@transaction.atomic
def conversion_retry(*, actor, callback: ConversionCallback) -> ConversionCallback:
    """A failed callback goes out again with a fresh count of attempts and the same
    event id (a platform that saw it already can tell)."""
    won = ConversionCallback.objects.filter(
        pk=callback.pk, status=CallbackStatus.FAILED
    ).update(
        status=CallbackStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claim=None,
        lease_until=None,
    )
    if not won:
        raise ValidationError(
            _("Only a failed callback can be sent again."),
            code=ConversionError.CONFLICT,
        )
    audit_record(
        actor=actor,
        action=ConversionAudit.RETRIED,
        target=callback.integration,
        changes={
            "callback": callback.pk,
            "event": callback.event,
            "last_error": callback.last_error,
        },
    )
    tenant_id = require_current_tenant().pk
    transaction.on_commit(lambda: kick_conversions(tenant_id))
    callback.refresh_from_db()
    return callback
