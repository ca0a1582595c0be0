"""Platform operators' writes: provisioning and changing firms, creating operators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User, UserStatus
from lenddesk.accounts.seed import seed_default_roles
from lenddesk.accounts.services import user_create
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.platform.errors import PlatformError
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.generation import firm_changed
from lenddesk.tenancy.models import PlatformOperator, Tenant, TenantEvent, TenantStatus
from lenddesk.tenancy.modules import CORE_MODULES, MODULES_BY_CODE
from lenddesk.tenancy.seeding import run_seeders

PLAN_FIELDS = ("name", "modules", "seats", "expires_on", "status")


def _clean_modules(modules: Iterable[str]) -> list[str]:
    codes = sorted(set(modules))
    unknown = [c for c in codes if c not in MODULES_BY_CODE]
    if unknown:
        raise ValidationError(
            {"modules": _("Unknown module(s): %s") % ", ".join(unknown)},
            code=PlatformError.INVALID_MODULES,
        )
    return [c for c in codes if c not in CORE_MODULES]


def _event(
    tenant: Tenant,
    operator: PlatformOperator | None,
    action: str,
    changes: dict,
    ip=None,
) -> None:
    TenantEvent.objects.create(
        tenant=tenant, operator=operator, action=action, changes=changes, ip=ip
    )


def _plan_of(tenant: Tenant) -> dict:
    return {
        "name": tenant.name,
        "modules": list(tenant.modules),
        "seats": tenant.seats,
        "expires_on": tenant.expires_on.isoformat() if tenant.expires_on else None,
        "status": tenant.status,
    }


def _first_admin_create(
    *, role_id: int, username: str, password: str, display_name: str
) -> None:
    """The firm's first administrator; its field errors name the provisioning form's
    fields (``admin_username`` …)."""
    try:
        user_create(
            actor=None,
            username=username,
            display_name=display_name or username,
            password=password,
            role_ids=[role_id],
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {"admin_" + k: v for k, v in exc.error_dict.items()}
            ) from exc
        raise


@transaction.atomic
def tenant_provision(
    *,
    operator: PlatformOperator | None,
    name: str,
    slug: str,
    admin_username: str,
    admin_password: str,
    admin_display_name: str = "",
    seats: int = 10,
    modules: Iterable[str] = (),
    expires_on: dt.date | None = None,
    ip: str | None = None,
) -> Tenant:
    """Create a firm with its default roles and its first administrator."""
    slug = slug.strip().lower()
    if Tenant.objects.filter(slug=slug).exists():
        raise ValidationError(
            {"slug": _("This slug is already used by another firm.")},
            code=PlatformError.SLUG_TAKEN,
        )
    tenant = Tenant(
        name=name.strip(),
        slug=slug,
        seats=seats,
        modules=_clean_modules(modules),
        expires_on=expires_on,
    )
    tenant.full_clean()
    try:
        with transaction.atomic():
            tenant.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"slug": _("This slug is already used by another firm.")},
            code=PlatformError.SLUG_TAKEN,
        ) from exc
    with tenant_context(tenant):
        roles = seed_default_roles()
        run_seeders()
        audit_record(
            action=AuditAction.TENANT_PROVISIONED,
            target=tenant,
            changes=_plan_of(tenant),
            reason="operator %s" % (operator.username if operator else "cli"),
        )
        _first_admin_create(
            role_id=roles["admin"].pk,
            username=admin_username,
            password=admin_password,
            display_name=admin_display_name,
        )
    _event(tenant, operator, "provisioned", _plan_of(tenant), ip)
    return tenant


@transaction.atomic
def tenant_update_plan(
    *,
    operator: PlatformOperator | None,
    tenant: Tenant,
    name: str,
    seats: int,
    modules: Iterable[str],
    expires_on: dt.date | None,
    ip: str | None = None,
) -> Tenant:
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = _plan_of(tenant)
    with tenant_context(tenant):
        active = User.objects.filter(status=UserStatus.ACTIVE).count()
    if seats < active:
        raise ValidationError(
            {
                "seats": _(
                    "The firm has %(active)d active staff; seats cannot be fewer. "
                    "The firm must disable staff first."
                )
                % {"active": active}
            },
            code=PlatformError.SEATS_BELOW_ACTIVE,
        )
    tenant.name = name.strip()
    tenant.seats = seats
    tenant.modules = _clean_modules(modules)
    tenant.expires_on = expires_on
    tenant.full_clean()
    tenant.save()
    after = _plan_of(tenant)
    changes = {k: [before[k], after[k]] for k in PLAN_FIELDS if before[k] != after[k]}
    if changes:
        _event(tenant, operator, "plan_changed", changes, ip)
        with tenant_context(tenant):
            audit_record(
                action=AuditAction.TENANT_SETTINGS_CHANGED,
                target=tenant,
                changes=changes,
            )
    return tenant


@transaction.atomic
def tenant_set_status(
    *,
    operator: PlatformOperator | None,
    tenant: Tenant,
    status: str,
    ip: str | None = None,
) -> Tenant:
    if status not in TenantStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    updated = (
        Tenant.objects.filter(pk=tenant.pk).exclude(status=status).update(status=status)
    )
    tenant.refresh_from_db()
    if updated:
        firm_changed(tenant.slug)  # an UPDATE sends no post_save
        _event(tenant, operator, "status_" + status, {"status": status}, ip)
        with tenant_context(tenant):
            audit_record(
                action=AuditAction.TENANT_SETTINGS_CHANGED,
                target=tenant,
                changes={"status": status},
            )
    return tenant


@transaction.atomic
def operator_create(
    *, username: str, password: str, display_name: str = ""
) -> PlatformOperator:
    if PlatformOperator.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This operator already exists.")})
    operator = PlatformOperator(
        username=username, display_name=display_name or username
    )
    try:
        password_validation.validate_password(password)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    operator.set_password(password)
    operator.save()
    return operator
