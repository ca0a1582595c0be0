"""Who may hand out which power: the rules against privilege escalation.

Nobody grants more than they hold. A role is within an actor's reach when its codes
are a subset of the actor's codes and its data scope is no wider than the actor's
(ALL ⊃ DEPT_AND_BELOW ⊃ DEPT ⊃ SELF; a CUSTOM scope's departments must lie inside what
the actor sees). Only an administrator grants the Administrator role, nobody changes
their own roles, status or department, and nobody manages a colleague who holds more
than they do. Services call these checks, so the pages and the API share them; the
pickers offer only what passes them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.models import DataScope, Department, Role, User
from lenddesk.accounts.registry import codes_label
from lenddesk.security.errors import refusal

ADMIN_ROLE_KEY = "admin"

# Wider scopes rank higher; CUSTOM is judged by its departments, not by rank.
SCOPE_RANK = {
    DataScope.SELF: 0,
    DataScope.CUSTOM: 0,
    DataScope.DEPT: 1,
    DataScope.DEPT_AND_BELOW: 2,
    DataScope.ALL: 3,
}


def is_administrator(user: User | None) -> bool:
    return user is not None and any(
        role.key == ADMIN_ROLE_KEY for role in user.role_list()
    )


def _rank(user: User) -> int:
    return max((SCOPE_RANK[role.data_scope] for role in user.role_list()), default=0)


def _reach_paths(user: User) -> list[str] | None:
    """Department paths whose subtrees the user's scope covers; ``None`` is the whole
    firm."""
    paths: list[str] = []
    department = user.department
    for role in user.role_list():
        if role.data_scope == DataScope.ALL:
            return None
        if role.data_scope == DataScope.CUSTOM:
            paths.extend(role.custom_departments.values_list("path", flat=True))
        elif role.data_scope == DataScope.DEPT_AND_BELOW and department is not None:
            paths.append(department.path)
    return paths


def _reach_departments(user: User) -> set[int] | None:
    """Ids of the departments the user's scope covers; ``None`` is every department."""
    paths = _reach_paths(user)
    if paths is None:
        return None
    ids = {
        pk
        for path in paths
        for pk in Department.objects.filter(path__startswith=path).values_list(
            "pk", flat=True
        )
    }
    department = user.department
    if department is not None and _rank(user) >= SCOPE_RANK[DataScope.DEPT]:
        ids.add(department.pk)
    return ids


def departments_within_reach(actor: User, department_ids: Iterable[int]) -> bool:
    reach = _reach_departments(actor)
    return reach is None or set(department_ids) <= reach


def scope_within_reach(
    actor: User, scope: str, custom_department_ids: Iterable[int] = ()
) -> bool:
    if _rank(actor) == SCOPE_RANK[DataScope.ALL]:
        return True
    if scope == DataScope.CUSTOM:
        return departments_within_reach(actor, custom_department_ids)
    return SCOPE_RANK[scope] <= _rank(actor)


def role_within_reach(actor: User, role: Role) -> bool:
    """May ``actor`` hand out ``role``? (Administrators may hand out anything.)"""
    if is_administrator(actor):
        return True
    if role.key == ADMIN_ROLE_KEY:
        return False
    if not set(role.codes or []) <= actor.permission_codes():
        return False
    departments = (
        [d.pk for d in role.custom_departments.all()]  # prefetched by pickers
        if role.data_scope == DataScope.CUSTOM
        else ()
    )
    return scope_within_reach(actor, role.data_scope, departments)


def ensure_may_grant(actor: User | None, roles: Iterable[Role]) -> None:
    """Refuse handing out a role beyond the actor's own power (``None``: the system,
    e.g. provisioning a firm's first administrator)."""
    if actor is None:
        return
    for role in roles:
        if role.key == ADMIN_ROLE_KEY and not is_administrator(actor):
            raise refusal(
                "roles",
                _("Only an administrator can grant the role %(role)s.")
                % {"role": role.name},
                AccountError.ROLE_NOT_GRANTABLE,
            )
        if not role_within_reach(actor, role):
            raise refusal(
                "roles",
                _(
                    "You cannot grant the role %(role)s: it holds permissions or a "
                    "data scope beyond your own."
                )
                % {"role": role.name},
                AccountError.ROLE_NOT_GRANTABLE,
            )


def outranks(subject: User, actor: User) -> bool:
    """Does ``subject`` hold anything ``actor`` could not grant?"""
    if is_administrator(actor):
        return False
    return not all(role_within_reach(actor, role) for role in subject.role_list())


def ensure_may_manage(actor: User | None, subject: User) -> None:
    """Changing a colleague (roles, status, tokens, second factor) needs at least the
    colleague's power: a deputy cannot disable, demote or lock out their boss."""
    if actor is None or actor.pk == subject.pk:
        return
    if outranks(subject, actor):
        raise refusal(
            None,
            _(
                "%(name)s holds permissions or a data scope beyond yours; ask an "
                "administrator."
            )
            % {"name": subject},
            AccountError.OUTRANKS_YOU,
        )


def ensure_not_self(actor: User | None, subject: User, field: str) -> None:
    if actor is not None and actor.pk == subject.pk:
        raise refusal(
            field,
            _("You cannot change your own roles, status or department."),
            AccountError.CANNOT_CHANGE_SELF,
        )


def ensure_role_edit_allowed(
    actor: User | None,
    role: Role | None,
    *,
    codes: list[str],
    scope: str,
    custom_department_ids: list[int],
) -> None:
    """A role edit may not add codes the editor lacks nor widen the scope past the
    editor's; nobody widens a role they hold themselves; only an administrator edits
    the Administrator role."""
    if actor is None or is_administrator(actor):
        return
    if role is not None and role.key == ADMIN_ROLE_KEY:
        raise refusal(
            None,
            _("Only an administrator can change the role %(role)s.")
            % {"role": role.name},
            AccountError.ROLE_NOT_GRANTABLE,
        )
    old_codes = set(role.codes or []) if role is not None else set()
    old_departments = (
        set(role.custom_departments.values_list("pk", flat=True)) if role else set()
    )
    added = set(codes) - old_codes
    missing = sorted(added - actor.permission_codes())
    if missing:
        raise refusal(
            "codes",
            _("You cannot add permissions you do not hold yourself: %(codes)s.")
            % {"codes": ", ".join(codes_label(c) for c in missing)},
            AccountError.ROLE_NOT_GRANTABLE,
        )
    scope_changed = role is None or (
        scope != role.data_scope
        or (scope == DataScope.CUSTOM and set(custom_department_ids) != old_departments)
    )
    if scope_changed and not scope_within_reach(actor, scope, custom_department_ids):
        raise refusal(
            "data_scope",
            _("You cannot set a data scope wider than your own."),
            AccountError.ROLE_NOT_GRANTABLE,
        )
    if role is not None and any(r.pk == role.pk for r in actor.role_list()):
        widened = added or _scope_widened(
            role, scope, set(custom_department_ids), old_departments
        )
        if widened:
            raise refusal(
                None,
                _("You cannot widen a role you hold yourself; ask an administrator."),
                AccountError.ROLE_NOT_GRANTABLE,
            )


def _scope_widened(
    role: Role, scope: str, departments: set[int], old_departments: set[int]
) -> bool:
    if scope == DataScope.CUSTOM and role.data_scope == DataScope.CUSTOM:
        return not departments <= old_departments
    if DataScope.CUSTOM in (scope, role.data_scope):
        return scope != role.data_scope
    return SCOPE_RANK[scope] > SCOPE_RANK[role.data_scope]
