"""Reads of staff users. Staff lists are firm-wide for holders of ``user.view``; data
scopes over staff arrive with the organisation tree."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lenddesk.accounts import grants
from lenddesk.accounts.models import ApiToken, Department, Role, User, UserStatus
from lenddesk.accounts.permissions import UserPermission
from lenddesk.tenancy.context import require_current_tenant


def users_visible_to(actor: User) -> QuerySet[User]:
    """Staff the actor may see: the firm's staff narrowed by the actor's data scope."""
    return User.objects.visible_to(actor)


def user_list(
    *, actor: User, status: str = "", q: str = "", department_id: int | None = None
) -> QuerySet[User]:
    users = (
        users_visible_to(actor)
        .select_related("department", "superior")
        .prefetch_related("roles")
        .order_by("-id")
    )
    if department_id:
        department = Department.objects.filter(pk=department_id).first()
        if department is not None:
            users = users.filter(department__path__startswith=department.path)
    if status in UserStatus.values:
        users = users.filter(status=status)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return users


def user_get(*, actor: User, user_id: int) -> User:
    user = (
        users_visible_to(actor)
        .select_related("department", "superior")
        .prefetch_related("roles")
        .filter(pk=user_id)
        .first()
    )
    if user is None:
        raise Http404
    return user


def role_choices(*, actor: User, keep: Iterable[int] = ()) -> list[Role]:
    """Roles the actor may hand out, plus ``keep`` (those the person already holds,
    so editing someone never silently drops a role the picker could not offer)."""
    kept = set(keep)
    return [
        role
        for role in Role.objects.prefetch_related("custom_departments").order_by("id")
        if role.pk in kept or grants.role_within_reach(actor, role)
    ]


def seat_usage() -> tuple[int, int]:
    tenant = require_current_tenant()
    return User.objects.filter(status=UserStatus.ACTIVE).count(), tenant.seats


def token_list(*, actor: User, user: User | None = None) -> QuerySet[ApiToken]:
    """Live tokens of ``user`` (the actor by default; the caller checks that the actor
    may see a colleague's)."""
    return ApiToken.objects.filter(
        user=user or actor, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-id")


def token_get(*, actor: User, token_id: int) -> ApiToken:
    """One's own token, or a visible colleague's for holders of ``user.change``;
    anything else is 404."""
    tokens = ApiToken.objects.select_related("user").filter(pk=token_id)
    if actor.has_code(UserPermission.CHANGE):
        tokens = tokens.filter(user__in=users_visible_to(actor).values("pk"))
    else:
        tokens = tokens.filter(user=actor)
    token = tokens.first()
    if token is None:
        raise Http404
    return token


def department_tree() -> list[Department]:
    """The whole tree in display order (parents before children), with member counts."""
    from django.db.models import Count, Q

    return list(
        Department.objects.select_related("leader")
        .annotate(
            member_count=Count("members", filter=Q(members__status=UserStatus.ACTIVE))
        )
        .order_by("path")
    )


def department_get(*, department_id: int) -> Department:
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise Http404
    return department


def role_list() -> QuerySet[Role]:
    from django.db.models import Count

    return Role.objects.annotate(user_count=Count("users")).order_by("id")


def role_get(*, role_id: int) -> Role:
    role = Role.objects.filter(pk=role_id).first()
    if role is None:
        raise Http404
    return role


def active_colleagues(*, exclude: User | None = None) -> QuerySet[User]:
    users = User.objects.filter(status=UserStatus.ACTIVE).order_by("display_name")
    return users.exclude(pk=exclude.pk) if exclude is not None else users


def people_with_code(code: str, *, exclude: User | None = None) -> QuerySet[User]:
    """Active colleagues holding a permission code through any of their roles."""
    roles = [role.pk for role in Role.objects.all() if code in (role.codes or [])]
    return active_colleagues(exclude=exclude).filter(roles__in=roles).distinct()
