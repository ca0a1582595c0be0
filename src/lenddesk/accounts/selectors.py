"""Reads of staff users. Staff lists are firm-wide for holders of ``user.view``; data
scopes over staff arrive with the organisation tree."""

from django.db.models import QuerySet
from django.http import Http404

from lenddesk.accounts.models import ApiToken, Role, User, UserStatus


def user_list(*, actor: User, status: str = "", q: str = "") -> QuerySet[User]:
    users = User.objects.prefetch_related("roles").order_by("-id")
    if status in UserStatus.values:
        users = users.filter(status=status)
    if q:
        users = users.filter(username__icontains=q) | users.filter(
            display_name__icontains=q
        )
    return users


def user_get(*, actor: User, user_id: int) -> User:
    user = User.objects.prefetch_related("roles").filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


def role_choices(*, actor: User) -> QuerySet[Role]:
    return Role.objects.order_by("id")


def seat_usage() -> tuple[int, int]:
    from lenddesk.tenancy.context import require_current_tenant

    tenant = require_current_tenant()
    return User.objects.filter(status=UserStatus.ACTIVE).count(), tenant.seats


def token_list(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor).order_by("-id")
