"""Writes around logging in: passwords, the log-in audit trail and the firm's own
log-in policy."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.models import ApiToken, PasswordHistory, User
from lenddesk.accounts.services.lookups import lock_tenant
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.tenancy.context import require_current_tenant
from lenddesk.tenancy.models import Tenant

SECURITY_SETTINGS = (
    "idle_timeout_minutes",
    "lockout_failures",
    "lockout_minutes",
    "password_max_age_days",
    "password_history",
    "time_zone",
)


@transaction.atomic
def password_change(*, actor: User, old_password: str, new_password: str) -> User:
    if not actor.check_password(old_password):
        raise ValidationError(
            {"old_password": _("Your current password is not correct.")},
            code=AccountError.WRONG_PASSWORD,
        )
    try:
        password_validation.validate_password(new_password, actor)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    _refuse_reused_password(actor, new_password)
    PasswordHistory.objects.create(user=actor, password=actor.password)
    actor.set_password(new_password)
    actor.password_changed_at = timezone.now()
    actor.session_epoch = F("session_epoch") + 1
    actor.save(update_fields=["password", "password_changed_at", "session_epoch"])
    actor.refresh_from_db()
    ApiToken.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action=AuditAction.PASSWORD_CHANGED,
        target=actor,
        changes={"password": "changed"},
    )
    return actor


def _refuse_reused_password(user: User, new_password: str) -> None:
    keep = require_current_tenant().password_history
    if keep <= 0:
        return
    older = (
        PasswordHistory.objects.filter(user=user)
        .order_by("-id")
        .values_list("password", flat=True)[: keep - 1]
    )
    previous = [user.password, *older]
    if any(check_password(new_password, encoded) for encoded in previous):
        raise ValidationError(
            {
                "new_password": _(
                    "Choose a password you have not used for your last %(n)d passwords."
                )
                % {"n": keep}
            },
            code="password_reused",
        )


def password_expired(*, user: User) -> bool:
    max_age = require_current_tenant().password_max_age_days
    if not max_age or user.password_changed_at is None:
        return False
    return timezone.now() - user.password_changed_at > dt.timedelta(days=max_age)


def record_login(*, user: User) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, target=user)


def record_login_refused(*, username: str, reason: str) -> None:
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=username[:80],
        result="refused",
        reason=reason,
    )


def record_logout(*, user: User) -> None:
    audit_record(actor=user, action=AuditAction.LOGOUT, target=user)


@transaction.atomic
def security_settings_update(*, actor: User, values: dict) -> Tenant:
    """The firm's own log-in policy: idle timeout, lockout, password rotation/history."""
    tenant = lock_tenant()
    before = {f: getattr(tenant, f) for f in SECURITY_SETTINGS}
    for field in SECURITY_SETTINGS:
        if field in values:
            setattr(tenant, field, values[field])
    tenant.full_clean()
    tenant.save(update_fields=[*SECURITY_SETTINGS, "updated_at"])
    changes = diff(before, {f: getattr(tenant, f) for f in SECURITY_SETTINGS})
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.SETTINGS_CHANGED,
            target=tenant,
            changes=changes,
        )
    return tenant
