"""Every write to a staff member: create, edit, activate, disable, reset the second
factor."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts import grants, mfa
from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.models import ApiToken, Role, User, UserStatus
from lenddesk.accounts.services.lookups import (
    lock_tenant,
    resolve_department,
    resolve_roles,
    resolve_user,
)
from lenddesk.accounts.validators import (
    clean_name,
    clean_username,
    collect,
    raise_if_any,
)
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.tenancy.models import Tenant

USER_FIELDS = ("username", "display_name", "email")


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


def _username_taken() -> ValidationError:
    return ValidationError(
        {"username": _("This username is already taken in your firm.")},
        code=AccountError.USERNAME_TAKEN,
    )


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
    roles = resolve_roles(role_ids)
    grants.ensure_may_grant(actor, roles)
    department = resolve_department(department_id, "department")
    _ensure_department_within_reach(actor, department)
    tenant = lock_tenant()
    if User.objects.filter(username=profile["username"]).exists():
        raise _username_taken()
    if active:
        _ensure_seat_free(tenant)
    user = User(
        tenant=tenant,
        username=profile["username"],
        display_name=profile["display_name"],
        email=profile["email"],
        status=UserStatus.ACTIVE if active else UserStatus.DISABLED,
        department=department,
        superior=resolve_user(superior_id, "superior"),
    )
    _set_personal(user, phone=phone, id_number=id_number)
    _save_new_user(user, password)
    user.roles.set(roles)
    audit_record(
        actor=actor,
        action=AuditAction.USER_CREATED,
        target=user,
        changes=_snapshot(user),
    )
    return user


def _save_new_user(user: User, password: str) -> None:
    """Check the password against the firm's rules, then insert the row (a username
    taken by a concurrent insert is the same field error as one taken before)."""
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
        raise _username_taken() from exc


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
    department = resolve_department(department_id, "department")
    if department != user.department:
        grants.ensure_not_self(actor, user, "department")
        _ensure_department_within_reach(actor, department)
    user.display_name = profile["display_name"]
    user.email = profile["email"]
    user.department = department
    superior = resolve_user(superior_id, "superior")
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
    roles = resolve_roles(role_ids)
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
    tenant = lock_tenant()
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
