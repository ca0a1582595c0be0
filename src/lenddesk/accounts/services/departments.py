"""Every write to the department tree: create, rename, move (with its subtree),
delete (refused while anything still uses the department)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from lenddesk.accounts import grants
from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.models import DataScope, Department, Role, User
from lenddesk.accounts.services.lookups import resolve_department, resolve_user
from lenddesk.accounts.validators import clean_name, collect, raise_if_any
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff


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


@transaction.atomic
def department_create(
    *,
    actor: User | None,
    name: str,
    parent_id: int | None = None,
    leader_id: int | None = None,
    sort: int = 0,
) -> Department:
    parent = resolve_department(parent_id, "parent")
    name = _clean_department_name(name)
    if Department.objects.filter(parent=parent, name=name).exists():
        raise ValidationError(
            {"name": _("A department with this name already exists at this level.")}
        )
    department = Department.objects.create(
        name=name,
        parent=parent,
        leader=resolve_user(leader_id, "leader"),
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
    parent = resolve_department(parent_id, "parent")
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
        leader=resolve_user(leader_id, "leader"),
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
