"""Every write to staff users, sessions and tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts import grants, mfa
from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.models import (
    ApiToken,
    DataScope,
    Department,
    PasswordHistory,
    Role,
    User,
    UserStatus,
)
from lenddesk.accounts.permissions import UserPermission
from lenddesk.accounts.validators import (
    clean_name,
    clean_username,
    collect,
    raise_if_any,
    validate_visible_text,
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
    try:
        ids = sorted({int(r) for r in role_ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"roles": _("Choose roles of your own firm.")}) from exc
    roles = list(Role.objects.filter(pk__in=ids))
    if len(roles) != len(ids):
        raise ValidationError(
            {"roles": _("Choose roles of your own firm.")},
            code=AccountError.ROLE_NOT_FOUND,
        )
    return roles


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if email:
        validate_email(email)
    return email


def _clean_profile(*, display_name: str, email: str, username: str | None = None):
    """Trimmed, validated profile fields; every bad one is named at once."""
    errors: dict[str, list[str]] = {}
    cleaned = {
        "display_name": collect(
            errors, "display_name", clean_name, display_name, max_length=80
        ),
        "email": collect(errors, "email", _clean_email, email),
    }
    if username is not None:
        cleaned["username"] = collect(errors, "username", clean_username, username)
    raise_if_any(errors)
    return cleaned


def _ensure_department_within_reach(actor: User | None, department) -> None:
    """Placing someone in a department outside the actor's own scope would hand them
    a view the actor does not have."""
    if actor is None or department is None:
        return
    if not grants.departments_within_reach(actor, [department.pk]):
        raise grants.refusal(
            "department",
            _("Choose a department within your own data scope."),
            AccountError.ROLE_NOT_GRANTABLE,
        )


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
    profile = _clean_profile(display_name=display_name, email=email, username=username)
    username = profile["username"]
    roles = _resolve_roles(role_ids)
    grants.ensure_may_grant(actor, roles)
    department = _resolve_department(department_id, "department")
    _ensure_department_within_reach(actor, department)
    tenant = _lock_tenant()
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
        display_name=profile["display_name"],
        email=profile["email"],
        status=UserStatus.ACTIVE if active else UserStatus.DISABLED,
        department=department,
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
    grants.ensure_may_manage(actor, user)
    profile = _clean_profile(display_name=display_name, email=email)
    before = _snapshot(user)
    roles = _roles_change(actor, user, role_ids)
    department = _resolve_department(department_id, "department")
    if department != user.department:
        grants.ensure_not_self(actor, user, "department")
        _ensure_department_within_reach(actor, department)
    user.display_name = profile["display_name"]
    user.email = profile["email"]
    user.department = department
    superior = _resolve_user(superior_id, "superior")
    if superior is not None and _reports_to(superior, user):
        raise ValidationError({"superior": _("This would make a reporting loop.")})
    user.superior = superior
    _set_personal(user, phone=phone, id_number=id_number)
    user.save()
    if roles is not None:
        user.roles.set(roles)
        user.forget_roles()
    changes = diff(before, _snapshot(user))
    if changes:
        audit_record(
            actor=actor, action=AuditAction.USER_UPDATED, target=user, changes=changes
        )
    return user


def _roles_change(
    actor: User, user: User, role_ids: Iterable[int] | None
) -> list[Role] | None:
    """The user's new roles, or ``None`` when they stay as they are. Granting is
    checked role by role; nobody changes their own roles."""
    if role_ids is None:
        return None
    roles = _resolve_roles(role_ids)
    current = {role.pk for role in user.roles.all()}
    if {role.pk for role in roles} == current:
        return None
    grants.ensure_not_self(actor, user, "roles")
    grants.ensure_may_grant(actor, [role for role in roles if role.pk not in current])
    return roles


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
    grants.ensure_not_self(actor, user, "status")
    grants.ensure_may_manage(actor, user)
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
    grants.ensure_may_manage(actor, user)
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
def user_second_factor_reset(*, actor: User, user: User) -> None:
    """Clear a colleague's authenticator (lost phone); not for someone who holds more
    than the actor, who could otherwise weaken their boss's log-in."""
    grants.ensure_may_manage(actor, user)
    mfa.totp_reset(actor=actor, user=user)


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
def token_revoke(*, actor: User, token: ApiToken) -> bool:
    """End one token: one's own, or (with ``user.change``) a colleague's who holds no
    more than the actor. False when it had already ended."""
    if token.user_id != actor.pk:
        if not actor.has_code(UserPermission.CHANGE):
            raise PermissionDenied
        grants.ensure_may_manage(actor, token.user)
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_REVOKED,
            target=token,
            changes={"user": token.user_id, "prefix": token.prefix},
        )
    return bool(revoked)


@transaction.atomic
def tokens_revoke_own(*, actor: User) -> int:
    """Log-out with "also end my API tokens": every live token of the actor."""
    live = list(
        ApiToken.objects.filter(
            user=actor, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("pk")
    )
    return sum(token_revoke(actor=actor, token=token) for token in live)


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


def _clean_department_name(name: str) -> str:
    errors: dict[str, list[str]] = {}
    name = collect(errors, "name", clean_name, name, max_length=80)
    raise_if_any(errors)
    return name


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
    name = _clean_department_name(name)
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
    name = _clean_department_name(name)
    if (
        Department.objects.filter(parent=parent, name=name)
        .exclude(pk=department.pk)
        .exists()
    ):
        raise ValidationError(
            {"name": _("A department with this name already exists at this level.")}
        )
    if parent != department.parent:
        _ensure_move_within_reach(actor, department, parent)
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


def _ensure_move_within_reach(
    actor: User | None, department: Department, parent: Department | None
) -> None:
    """Moving a department under one's own subtree would widen one's own data scope
    ("own department and below"); moves stay among departments the actor sees."""
    if actor is None:
        return
    moved = [department.pk] + ([parent.pk] if parent is not None else [])
    top_level_needs_all = parent is None and not grants.scope_within_reach(
        actor, DataScope.ALL
    )
    if top_level_needs_all or not grants.departments_within_reach(actor, moved):
        raise grants.refusal(
            "parent",
            _("Choose a department within your own data scope."),
            AccountError.ROLE_NOT_GRANTABLE,
        )


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
    roles = Role.objects.filter(custom_departments=department).order_by("pk")
    uses = [_use_label(role) for role in roles] + _protected_uses(department)
    if uses:
        raise _still_in_use(uses)
    snapshot = _department_snapshot(department)
    audit_record(
        actor=actor,
        action=AuditAction.DEPARTMENT_DELETED,
        target=department,
        changes=snapshot,
    )
    try:
        with transaction.atomic():
            department.delete()
    except (ProtectedError, RestrictedError) as exc:  # a use added since the check
        raise _still_in_use(_labels(_blocking_objects(exc))) from exc


def _use_label(obj) -> str:
    return "%s %s" % (obj._meta.verbose_name, obj)


def _labels(objects) -> list[str]:
    return sorted({_use_label(obj) for obj in objects})


def _protected_uses(instance) -> list[str]:
    """What other apps keep pointing at ``instance`` (foreign keys that refuse the
    delete), so the answer names them instead of failing with a ProtectedError."""
    collector = Collector(using=instance._state.db or "default")
    try:
        collector.collect([instance])
    except (ProtectedError, RestrictedError) as exc:
        return _labels(_blocking_objects(exc))
    return []


def _blocking_objects(exc: ProtectedError | RestrictedError):
    if isinstance(exc, ProtectedError):
        return exc.protected_objects
    return exc.restricted_objects


def _still_in_use(uses: list[str]) -> ValidationError:
    shown = uses[:10] + (["…"] if len(uses) > 10 else [])
    return grants.refusal(
        None,
        _("It is still used by %(uses)s. Change or delete those first.")
        % {"uses": ", ".join(shown)},
        AccountError.STILL_IN_USE,
    )


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
        _resolve_department(pk, "custom_departments") for pk in custom_department_ids
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
