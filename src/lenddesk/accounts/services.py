"""Every write to staff users, sessions and tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.models import ApiToken, Role, User, UserStatus
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.tenancy.context import require_current_tenant
from lenddesk.tenancy.models import Tenant

USER_FIELDS = ("username", "display_name", "email")


def _lock_tenant() -> Tenant:
    """Serialise seat accounting per firm (row lock on PostgreSQL; SQLite's IMMEDIATE
    transactions already serialise writers)."""
    tenant = require_current_tenant()
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


def _ensure_seat_free(tenant: Tenant) -> None:
    active = User.objects.filter(status=UserStatus.ACTIVE).count()
    if active >= tenant.seats:
        raise ValidationError(
            _(
                "All %(seats)d seats of your plan are in use. Disable a colleague or "
                "ask the platform operator for more seats."
            )
            % {"seats": tenant.seats},
            code=AccountError.SEATS_FULL,
        )


def _resolve_roles(role_ids: Iterable[int]) -> list[Role]:
    ids = sorted({int(r) for r in role_ids})
    roles = list(Role.objects.filter(pk__in=ids))
    if len(roles) != len(ids):
        raise ValidationError(
            {"roles": _("Choose roles of your own firm.")},
            code=AccountError.ROLE_NOT_FOUND,
        )
    return roles


def _snapshot(user: User) -> dict:
    data = {f: getattr(user, f) for f in USER_FIELDS}
    data["status"] = user.status
    data["roles"] = sorted(user.roles.values_list("key", flat=True)) if user.pk else []
    return data


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    password: str,
    email: str = "",
    role_ids: Iterable[int] = (),
    active: bool = True,
) -> User:
    tenant = _lock_tenant()
    username = username.strip()
    if User.objects.filter(username=username).exists():
        raise ValidationError(
            {"username": _("This username is already taken in your firm.")},
            code=AccountError.USERNAME_TAKEN,
        )
    if active:
        _ensure_seat_free(tenant)
    user = User(
        tenant=tenant,
        username=username,
        display_name=display_name.strip(),
        email=email.strip(),
        status=UserStatus.ACTIVE if active else UserStatus.DISABLED,
    )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.password_changed_at = timezone.now()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError(
            {"username": _("This username is already taken in your firm.")},
            code=AccountError.USERNAME_TAKEN,
        ) from exc
    roles = _resolve_roles(role_ids)
    user.roles.set(roles)
    audit_record(
        actor=actor,
        action=AuditAction.USER_CREATED,
        target=user,
        changes=_snapshot(user),
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    display_name: str,
    email: str = "",
    role_ids: Iterable[int] | None = None,
) -> User:
    before = _snapshot(user)
    user.display_name = display_name.strip()
    user.email = email.strip()
    user.save(update_fields=["display_name", "email", "updated_at"])
    if role_ids is not None:
        user.roles.set(_resolve_roles(role_ids))
        user._permission_codes = None
    changes = diff(before, _snapshot(user))
    if changes:
        audit_record(
            actor=actor, action=AuditAction.USER_UPDATED, target=user, changes=changes
        )
    return user


@transaction.atomic
def user_activate(*, actor: User, user: User) -> User:
    tenant = _lock_tenant()
    if user.status == UserStatus.ACTIVE:
        return user
    _ensure_seat_free(tenant)
    User.objects.filter(pk=user.pk).update(status=UserStatus.ACTIVE)
    user.refresh_from_db()
    audit_record(actor=actor, action=AuditAction.USER_ACTIVATED, target=user)
    return user


@transaction.atomic
def user_disable(*, actor: User, user: User, status: str = UserStatus.DISABLED) -> User:
    """Disable (or mark departed); every session and token of the user dies at once."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(
            _("You cannot disable your own account."),
            code=AccountError.CANNOT_DISABLE_SELF,
        )
    if status not in (UserStatus.DISABLED, UserStatus.DEPARTED):
        raise ValidationError({"status": _("Choose disabled or departed.")})
    User.objects.filter(pk=user.pk).update(
        status=status, session_epoch=F("session_epoch") + 1
    )
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    user.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.USER_DISABLED,
        target=user,
        changes={"status": status},
    )
    return user


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


@transaction.atomic
def token_issue(*, user: User, client: str = "api") -> tuple[ApiToken, str]:
    raw = ApiToken.new_raw(user.tenant_id)
    token = ApiToken.objects.create(
        tenant_id=user.tenant_id,
        user=user,
        key_hash=ApiToken.hash_secret(raw),
        prefix=raw[:12],
        client=client,
        session_epoch=user.session_epoch,
        expires_at=timezone.now() + settings.API_TOKEN_TTL,
    )
    audit_record(actor=user, action=AuditAction.TOKEN_ISSUED, target=token)
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(actor=actor, action=AuditAction.TOKEN_REVOKED, target=token)


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
def tokens_prune(*, older_than: dt.timedelta | None = None) -> int:
    """Delete tokens that expired or were revoked more than a day ago (housekeeping:
    an unusable token carries no history worth keeping; issue and revoke are audited)."""
    cutoff = timezone.now() - (older_than or dt.timedelta(days=1))
    deleted, _ = ApiToken.objects.filter(
        Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    ).delete()
    return deleted
