"""Look-ups every accounts write shares: the firm's row lock and the chosen rows of
the firm (a foreign id is a field error, never a 500)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.models import Department, Role, User
from lenddesk.tenancy.context import require_current_tenant
from lenddesk.tenancy.models import Tenant


def lock_tenant() -> Tenant:
    """Serialise seat accounting per firm (row lock on PostgreSQL; SQLite's IMMEDIATE
    transactions already serialise writers)."""
    tenant = require_current_tenant()
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


def resolve_roles(role_ids: Iterable[int]) -> list[Role]:
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


def resolve_department(department_id: int | None, field: str) -> Department | None:
    if department_id in (None, ""):
        return None
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise ValidationError({field: _("Choose a department of your own firm.")})
    return department


def resolve_user(user_id: int | None, field: str) -> User | None:
    if user_id in (None, ""):
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationError({field: _("Choose a colleague of your own firm.")})
    return user
