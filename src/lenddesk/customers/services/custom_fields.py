"""The firm's own customer fields (自定义字段): defining one, and checking and
setting a customer's values for them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer, CustomField, CustomFieldType

CUSTOM_TEXT_MAX = 200
CUSTOM_NUMBER_MAX = Decimal("1e15")


def _custom_number(text: str) -> Decimal:
    """A custom number field's value: finite and below a quadrillion."""
    number = Decimal(text)
    if not number.is_finite() or abs(number) >= CUSTOM_NUMBER_MAX:
        raise ValueError(text)
    return number


def _custom_value(field: CustomField, value: str) -> str:
    """One field's clean value; ``ValueError`` (or ``ArithmeticError``) when the
    value does not fit the field's kind."""
    if field.kind == "number":
        return str(_custom_number(value))
    if field.kind == "date":
        return dt.date.fromisoformat(value).isoformat()
    if field.kind == "choice" and value not in field.choice_list():
        raise ValueError(value)
    return value


def clean_custom_fields(raw: dict | None, *, partial: bool = False) -> dict:
    """Validate values for the firm's custom fields; errors name ``custom_<key>``."""
    raw = raw or {}
    clean, errors = {}, {}
    for field in CustomField.objects.all():
        name = "custom_%s" % field.key
        value = raw.get(field.key, raw.get(name))
        if value in (None, ""):
            if field.required and not partial:
                errors[name] = [_("%s is required.") % field.label]
            continue
        value = str(value).strip()
        if field.kind not in ("number", "date", "choice") and (
            len(value) > CUSTOM_TEXT_MAX
        ):
            errors[name] = [_("At most %(n)d characters.") % {"n": CUSTOM_TEXT_MAX}]
            continue
        try:
            clean[field.key] = _custom_value(field, value)
        except (ValueError, ArithmeticError):
            errors[name] = [_("Enter a valid value for %s.") % field.label]
    unknown = sorted(
        set(raw)
        - {f.key for f in CustomField.objects.all()}
        - {"custom_%s" % f.key for f in CustomField.objects.all()}
    )
    if unknown:
        errors["custom_fields"] = [
            _("Unknown custom field(s): %s") % ", ".join(unknown)
        ]
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def custom_fields_set(*, actor: User, customer: Customer, values: dict) -> Customer:
    clean = clean_custom_fields(values)
    before = dict(customer.custom_fields or {})
    Customer.objects.filter(pk=customer.pk).update(custom_fields=clean)
    customer.refresh_from_db()
    if before != clean:
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_UPDATED,
            target=customer,
            changes={"custom_fields": sorted(set(before) | set(clean))},
        )
    return customer


def _check_new_field(key: str, kind: str, label: str, choices: str) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", key):
        raise ValidationError(
            {"key": _("Use lowercase letters, digits and _ (starting with a letter).")}
        )
    if CustomField.objects.filter(key=key).exists():
        raise ValidationError({"key": _("This key is already used.")})
    if kind not in CustomFieldType.values:
        raise ValidationError({"kind": _("Choose a type.")})
    for name, value in (("label", label), ("choices", choices)):
        limit = CustomField._meta.get_field(name).max_length
        if len(value) > limit:
            raise ValidationError({name: _("At most %(n)d characters.") % {"n": limit}})


@transaction.atomic
def custom_field_create(
    *,
    actor: User,
    key: str,
    label: str,
    kind: str,
    choices: str = "",
    required: bool = False,
) -> CustomField:
    key = (key or "").strip().lower()
    label, choices = (label or "").strip(), (choices or "").strip()
    _check_new_field(key, kind, label, choices)
    field = CustomField(
        key=key, label=label, kind=kind, choices=choices, required=required
    )
    if kind == "choice" and not field.choice_list():
        raise ValidationError({"choices": _("List the choices, separated by commas.")})
    if not field.label:
        raise ValidationError({"label": _("Give the field a label.")})
    field.order = CustomField.objects.count()
    field.save()
    audit_record(
        actor=actor,
        action=AuditAction.POOL_RULES_CHANGED,
        target=field,
        changes={"custom_field": key, "kind": kind, "required": required},
    )
    return field
