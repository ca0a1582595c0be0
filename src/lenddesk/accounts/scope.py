"""The one function that decides which rows a user may see (数据权限), and the manager
every model with an owner uses to apply it.

A scoped model says whose row it is with ``SCOPE_OWNER`` — the path to the owning
staff user (``"owner"`` for a customer, ``""`` when the row *is* the user) — and
uses ``ScopedManager``. ``visible_to(actor)`` then narrows the firm's rows by the
actor's data scope; a model that forgot ``SCOPE_OWNER`` raises rather than answering
with the whole firm (fail closed), and a model with the plain ``TenantManager`` has
no ``visible_to`` at all. ``tests/accounts/test_scope_declarations.py`` walks every
model to keep it so.

A user's roles combine as a union; a role's scope is one of ALL / DEPT_AND_BELOW /
DEPT / SELF / CUSTOM. Everything compiles to one SQL condition, never a per-row check.

This module sits below ``accounts.models`` (which imports ``DataScope`` and the
manager from here): the org-chart models are looked up through the app registry when
a condition is built, so there is no import cycle.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.models import TenantManager, TenantQuerySet

if TYPE_CHECKING:
    from lenddesk.accounts.models import Department, Role, User

NOTHING = Q(pk__in=[])


class DataScope(models.TextChoices):
    ALL = "all", _("Whole firm")
    DEPT_AND_BELOW = "dept_and_below", _("Own department and below")
    DEPT = "dept", _("Own department")
    SELF = "self", _("Own records only")
    CUSTOM = "custom", _("Chosen departments")


class UnscopedModel(ImproperlyConfigured):
    """``visible_to`` on a model that does not say whose rows are whose."""


class ScopedQuerySet(TenantQuerySet):
    def visible_to(self, actor: User):
        """Rows the actor may see: this firm's rows narrowed by the actor's data scope,
        through the model's ``SCOPE_OWNER`` path."""
        owner = getattr(self.model, "SCOPE_OWNER", None)
        if owner is None:
            raise UnscopedModel(
                "%s uses ScopedManager but declares no SCOPE_OWNER"
                % self.model._meta.label
            )
        condition = scope_q(actor, owner=owner)
        return self.filter(condition) if condition else self


class ScopedManager(TenantManager.from_queryset(ScopedQuerySet)):
    """Default manager of tenant-owned models that have an owner: the firm filter of
    ``TenantManager`` plus ``visible_to(actor)``."""


def _user_model():
    return apps.get_model("accounts", "User")


def _department_model():
    return apps.get_model("accounts", "Department")


def _field(owner: str, name: str) -> str:
    return "%s__%s" % (owner, name) if owner else name


def _self_q(actor: User, owner: str) -> Q:
    return Q(**{_field(owner, "pk"): actor.pk})


def _people_q(owner: str, condition: Q, as_array: bool = False) -> Q:
    """Rows whose owner satisfies ``condition``. Through an owner path this is an
    ``owner IN (SELECT id FROM users …)`` subquery, not a join: PostgreSQL then walks
    the newest rows by primary key and stops after a page, where the join read every
    customer of the team before sorting (bench: team lead's first page at 1M rows)."""
    if not owner:
        return condition
    lookup = "%s__pk__in_array" if as_array else "%s__in"
    return Q(**{lookup % owner: _user_model().objects.filter(condition).values("pk")})


def _subtree_q(paths: list[str], owner: str, as_array: bool = False) -> Q:
    if not paths:
        return NOTHING
    return _people_q(
        owner,
        reduce(or_, (Q(department__path__startswith=p) for p in paths)),
        as_array,
    )


def role_q(role: Role, actor: User, owner: str, as_array: bool = False) -> Q:
    scope = role.data_scope
    department = actor.department
    if scope == DataScope.ALL:
        return Q()
    if scope == DataScope.SELF:
        return _self_q(actor, owner)
    if scope == DataScope.CUSTOM:
        paths = list(role.custom_departments.values_list("path", flat=True))
        return _subtree_q(paths, owner, as_array) | _self_q(actor, owner)
    if department is None:  # no department yet: only their own records
        return _self_q(actor, owner)
    if scope == DataScope.DEPT:
        people = _people_q(owner, Q(department_id=department.pk), as_array)
        return people | _self_q(actor, owner)
    return _subtree_q([department.path], owner, as_array) | _self_q(actor, owner)


def scope_q(actor: User, *, owner: str, as_array: bool = False) -> Q:
    """The condition for rows owned (through ``owner``) by people ``actor`` may see.
    ``as_array`` writes a team as ``owner = ANY(ARRAY(…))`` (see ``InArray``), for a
    condition OR-ed with another indexed one."""
    roles = actor.role_list()
    if not roles:
        return _self_q(actor, owner)
    parts = [role_q(role, actor, owner, as_array) for role in roles]
    if any(not part for part in parts):  # an ALL role: the whole firm
        return Q()
    return reduce(or_, parts)


def sees_only_own(actor: User) -> bool:
    """Whether every role of the actor is limited to their own records (no team to
    lead, no colleague's rows to filter by)."""
    return all(role.data_scope == DataScope.SELF for role in actor.role_list())


def visible_departments(actor: User) -> list[Department]:
    """Departments whose people the actor may see (for filters and pickers)."""
    Department = _department_model()
    condition = scope_q(actor, owner="")
    if not condition:
        return list(Department.objects.all())
    user_ids = _user_model().objects.filter(condition).values("department_id")
    return list(Department.objects.filter(pk__in=user_ids))


class InArray(models.Lookup):
    """``field__in_array=subquery``: on PostgreSQL ``field = ANY(ARRAY(subquery))``,
    elsewhere ``field IN (subquery)``. The array is computed once and its ids probe
    the field's index, so the condition can be OR-ed with another indexed one (a
    BitmapOr) where ``IN (subquery)`` would read every row and test each."""

    lookup_name = "in_array"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return "%s IN %s" % (lhs, rhs), [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return "%s = ANY(ARRAY%s)" % (lhs, rhs), [*lhs_params, *rhs_params]


models.Field.register_lookup(InArray)
