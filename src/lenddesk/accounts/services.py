"""Every write to staff users, sessions and tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.models import (
    ApiToken,
    Department,
    PasswordHistory,
    Role,
    User,
    UserStatus,
)
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
    data["department"] = user.department_id
    data["superior"] = user.superior_id
    # Only whether they changed: the values never reach the audit log.
    data["phone"] = user.phone_index
    data["id_number"] = user.id_number_index
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
    department_id: int | None = None,
    superior_id: int | None = None,
    phone: str = "",
    id_number: str = "",
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
        department=_resolve_department(department_id, "department"),
        superior=_resolve_user(superior_id, "superior"),
    )
    _set_personal(user, phone=phone, id_number=id_number)
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
    department_id: int | None = None,
    superior_id: int | None = None,
    phone: str | None = None,
    id_number: str | None = None,
) -> User:
    before = _snapshot(user)
    user.display_name = display_name.strip()
    user.email = email.strip()
    user.department = _resolve_department(department_id, "department")
    superior = _resolve_user(superior_id, "superior")
    if superior is not None and _reports_to(superior, user):
        raise ValidationError({"superior": _("This would make a reporting loop.")})
    user.superior = superior
    _set_personal(user, phone=phone, id_number=id_number)
    user.save()
    if role_ids is not None:
        user.roles.set(_resolve_roles(role_ids))
        user.forget_roles()
    changes = diff(before, _snapshot(user))
    if changes:
        audit_record(
            actor=actor, action=AuditAction.USER_UPDATED, target=user, changes=changes
        )
    return user


def _set_personal(user: User, *, phone: str | None, id_number: str | None) -> None:
    """Encrypt and index the personal fields; ``None`` leaves a field unchanged."""
    errors: dict[str, list[str]] = {}
    for name, value in (("phone", phone), ("id_number", id_number)):
        if value is None:
            continue
        try:
            user.set_secret(name, value.strip())
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


def _reports_to(person: User, boss: User) -> bool:
    """Does ``person`` (transitively) report to ``boss``? Bounded walk up the chain."""
    seen: set[int] = set()
    current: User | None = person
    while current is not None and current.pk not in seen and len(seen) < 100:
        if current.pk == boss.pk:
            return True
        seen.add(current.pk)
        current = current.superior
    return False


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


# --- Departments -----------------------------------------------------------------------


def _department_snapshot(department: Department) -> dict:
    return {
        "name": department.name,
        "parent": department.parent_id,
        "leader": department.leader_id,
        "sort": department.sort,
    }


def _resolve_department(department_id: int | None, field: str) -> Department | None:
    if department_id in (None, ""):
        return None
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise ValidationError({field: _("Choose a department of your own firm.")})
    return department


def _resolve_user(user_id: int | None, field: str) -> User | None:
    if user_id in (None, ""):
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationError({field: _("Choose a colleague of your own firm.")})
    return user


@transaction.atomic
def department_create(
    *,
    actor: User | None,
    name: str,
    parent_id: int | None = None,
    leader_id: int | None = None,
    sort: int = 0,
) -> Department:
    parent = _resolve_department(parent_id, "parent")
    name = name.strip()
    if Department.objects.filter(parent=parent, name=name).exists():
        raise ValidationError(
            {"name": _("A department with this name already exists at this level.")}
        )
    department = Department.objects.create(
        name=name,
        parent=parent,
        leader=_resolve_user(leader_id, "leader"),
        sort=sort,
        path="",
        depth=(parent.depth + 1) if parent else 1,
    )
    department.path = "%s%d/" % (parent.path if parent else "/", department.pk)
    Department.objects.filter(pk=department.pk).update(path=department.path)
    audit_record(
        actor=actor,
        action=AuditAction.DEPARTMENT_CREATED,
        target=department,
        changes=_department_snapshot(department),
    )
    return department


@transaction.atomic
def department_update(
    *,
    actor: User,
    department: Department,
    name: str,
    parent_id: int | None,
    leader_id: int | None,
    sort: int = 0,
) -> Department:
    """Rename, re-lead or move a department; moving carries its whole subtree."""
    before = _department_snapshot(department)
    parent = _resolve_department(parent_id, "parent")
    if parent is not None and parent.path.startswith(department.path):
        raise ValidationError(
            {"parent": _("A department cannot move under itself or its own subtree.")}
        )
    name = name.strip()
    if (
        Department.objects.filter(parent=parent, name=name)
        .exclude(pk=department.pk)
        .exists()
    ):
        raise ValidationError(
            {"name": _("A department with this name already exists at this level.")}
        )
    if parent != department.parent:
        _move_subtree(department, parent)
    Department.objects.filter(pk=department.pk).update(
        name=name,
        parent=parent,
        leader=_resolve_user(leader_id, "leader"),
        sort=sort,
    )
    department.refresh_from_db()
    changes = diff(before, _department_snapshot(department))
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.DEPARTMENT_UPDATED,
            target=department,
            changes=changes,
        )
    return department


def _move_subtree(department: Department, new_parent: Department | None) -> None:
    old_path = department.path
    new_path = "%s%d/" % (new_parent.path if new_parent else "/", department.pk)
    depth_change = ((new_parent.depth + 1) if new_parent else 1) - department.depth
    Department.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )


@transaction.atomic
def department_delete(*, actor: User, department: Department) -> None:
    if Department.objects.filter(parent=department).exists():
        raise ValidationError(
            _("Move or delete its sub-departments first."), code="department_not_empty"
        )
    if User.objects.filter(department=department).exists():
        raise ValidationError(
            _("Move its staff to another department first."),
            code="department_not_empty",
        )
    snapshot = _department_snapshot(department)
    audit_record(
        actor=actor,
        action=AuditAction.DEPARTMENT_DELETED,
        target=department,
        changes=snapshot,
    )
    Role.custom_departments.through.objects.filter(department=department).delete()
    department.delete()


# --- Roles -----------------------------------------------------------------------------

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
    from lenddesk.accounts.login_policy import CLIENTS, parse_networks
    from lenddesk.accounts.models import DataScope
    from lenddesk.accounts.registry import all_codes

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
    if not (data.get("name") or "").strip():
        errors["name"] = [_("Give the role a name.")]
    if errors:
        raise ValidationError(errors)
    return {
        **data,
        "name": data["name"].strip(),
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
        _resolve_department(pk, "custom_departments") for pk in custom_department_ids
    ]
    creating = role is None
    before = {} if creating else _role_snapshot(role)
    if creating:
        key = (data.get("key") or "").strip()
        if not key or Role.objects.filter(key=key).exists():
            raise ValidationError({"key": _("Choose a key that no other role uses.")})
        role = Role(key=key)
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


@transaction.atomic
def security_settings_update(*, actor: User, values: dict) -> Tenant:
    """The firm's own log-in policy: idle timeout, lockout, password rotation/history."""
    fields = (
        "idle_timeout_minutes",
        "lockout_failures",
        "lockout_minutes",
        "password_max_age_days",
        "password_history",
        "time_zone",
    )
    tenant = _lock_tenant()
    before = {f: getattr(tenant, f) for f in fields}
    for field in fields:
        if field in values:
            setattr(tenant, field, values[field])
    tenant.full_clean()
    tenant.save(update_fields=[*fields, "updated_at"])
    changes = diff(before, {f: getattr(tenant, f) for f in fields})
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.SETTINGS_CHANGED,
            target=tenant,
            changes=changes,
        )
    return tenant
