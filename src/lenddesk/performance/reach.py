"""Whom a manager manages: the people and departments whose targets they may set and
to whom they may assign tasks.

A firm-wide role (general manager, administrator) manages everyone, themselves
included. A team lead manages their department and everything below it, but not
themselves: their own targets are set by whoever is above them. The data scope
(``accounts.scope``) is the one source; this only reads it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lenddesk.accounts.models import Department, User, UserStatus
from lenddesk.accounts.scope import DataScope, scope_q


def is_firm_wide(actor: User) -> bool:
    """Whether the actor's data scope is the whole firm (an empty condition)."""
    return not scope_q(actor, owner="")


def managed_departments(actor: User) -> QuerySet[Department]:
    """Departments the actor manages (for a team lead: their own and below)."""
    if is_firm_wide(actor):
        return Department.objects.all()
    condition = Q(pk__in=[])
    for role in actor.role_list():
        own = actor.department
        if role.data_scope == DataScope.DEPT_AND_BELOW and own is not None:
            condition |= Q(path__startswith=own.path)
        elif role.data_scope == DataScope.DEPT and own is not None:
            condition |= Q(pk=own.pk)
        elif role.data_scope == DataScope.CUSTOM:
            for path in role.custom_departments.values_list("path", flat=True):
                condition |= Q(path__startswith=path)
    return Department.objects.filter(condition)


def managed_people(actor: User, *, active_only: bool = True) -> QuerySet[User]:
    """People whose targets the actor may set and who may get their tasks: everyone
    in the actor's data scope but the actor (unless firm-wide)."""
    people = User.objects.visible_to(actor)
    if not is_firm_wide(actor):
        people = people.exclude(pk=actor.pk)
    if active_only:
        people = people.filter(status=UserStatus.ACTIVE)
    return people


def manages_person(actor: User, user_id: int) -> bool:
    return managed_people(actor, active_only=False).filter(pk=user_id).exists()


def manages_department(actor: User, department_id: int) -> bool:
    return managed_departments(actor).filter(pk=department_id).exists()
