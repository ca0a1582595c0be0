"""Every write to roles: the permission codes, data scope and log-in rules a role
grants; every change is checked against what the actor may grant, and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.accounts import grants
from lenddesk.accounts.login_policy import CLIENTS, parse_networks
from lenddesk.accounts.models import DataScope, Role, User
from lenddesk.accounts.registry import all_codes
from lenddesk.accounts.services.lookups import resolve_department
from lenddesk.accounts.validators import (
    clean_name,
    collect,
    raise_if_any,
    validate_visible_text,
)
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff

ROLE_FIELDS = (
    "name",
    "description",
    "codes",
    "data_scope",
    "allowed_clients",
    "login_weekdays",
    "login_start",
    "login_end",
    "allowed_networks",
    "require_totp",
)


def _role_snapshot(role: Role) -> dict:
    data = {f: getattr(role, f) for f in ROLE_FIELDS}
    for key in ("login_start", "login_end"):
        data[key] = data[key].strftime("%H:%M") if data[key] else None
    data["custom_departments"] = (
        sorted(role.custom_departments.values_list("pk", flat=True)) if role.pk else []
    )
    return data


def _clean_role(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    codes = sorted(set(data.get("codes") or []))
    unknown = [c for c in codes if c not in all_codes()]
    if unknown:
        errors["codes"] = [_("Unknown permission code(s): %s") % ", ".join(unknown)]
    if data.get("data_scope") not in DataScope.values:
        errors["data_scope"] = [_("Choose a data scope.")]
    clients = sorted(set(data.get("allowed_clients") or []))
    if any(c not in CLIENTS for c in clients):
        errors["allowed_clients"] = [_("Choose among web, mobile and api.")]
    weekdays = sorted({int(d) for d in data.get("login_weekdays") or []})
    if any(d < 0 or d > 6 for d in weekdays):
        errors["login_weekdays"] = [_("Weekdays are 0 (Monday) to 6 (Sunday).")]
    start, end = data.get("login_start"), data.get("login_end")
    if (start is None) != (end is None):
        errors["login_end"] = [
            _("Give both the start and the end of the log-in hours.")
        ]
    elif start is not None and start == end:
        errors["login_end"] = [_("The end must differ from the start.")]
    networks = (data.get("allowed_networks") or "").strip()
    try:
        parse_networks(networks)
    except ValueError as exc:
        errors["allowed_networks"] = [str(exc)]
    name = (data.get("name") or "").strip()
    if name:
        name = collect(errors, "name", clean_name, name, max_length=60)
    else:
        errors["name"] = [_("Give the role a name.")]
    description = (data.get("description") or "").strip()
    collect(errors, "description", validate_visible_text, description)
    raise_if_any(errors)
    return {
        **data,
        "name": name,
        "description": description,
        "codes": codes,
        "allowed_clients": clients,
        "login_weekdays": weekdays,
        "allowed_networks": networks,
    }


@transaction.atomic
def role_save(
    *, actor: User, role: Role | None, data: dict, custom_department_ids=()
) -> Role:
    """Create (``role=None``) or update a role; every change is audited."""
    clean = _clean_role(data)
    departments = [
        resolve_department(pk, "custom_departments") for pk in custom_department_ids
    ]
    grants.ensure_role_edit_allowed(
        actor,
        role,
        codes=clean["codes"],
        scope=clean["data_scope"],
        custom_department_ids=[d.pk for d in departments],
    )
    creating = role is None
    before = {} if creating else _role_snapshot(role)
    if creating:
        role = Role(key=_new_role_key(data.get("key")))
    for field in ROLE_FIELDS:
        setattr(role, field, clean.get(field, getattr(role, field)))
    role.save()
    role.custom_departments.set(departments)
    after = _role_snapshot(role)
    audit_record(
        actor=actor,
        action=AuditAction.ROLE_CREATED if creating else AuditAction.ROLE_UPDATED,
        target=role,
        changes=after if creating else diff(before, after),
    )
    return role


def _new_role_key(key: str | None) -> str:
    key = (key or "").strip()
    try:
        validate_slug(key)
    except ValidationError as exc:
        raise ValidationError({"key": exc.messages}) from exc
    if not key or Role.objects.filter(key=key).exists():
        raise ValidationError({"key": _("Choose a key that no other role uses.")})
    return key


@transaction.atomic
def role_delete(*, actor: User, role: Role) -> None:
    if role.is_system:
        raise ValidationError(_("Default roles cannot be deleted; edit them instead."))
    if role.users.exists():
        raise ValidationError(_("Take this role away from its staff first."))
    audit_record(
        actor=actor,
        action=AuditAction.ROLE_DELETED,
        target=role,
        changes=_role_snapshot(role),
    )
    role.delete()
