"""Test data made through the real services (no shortcuts around the walls)."""

import itertools

from lenddesk.accounts.models import Role, User
from lenddesk.accounts.services import user_create
from lenddesk.platform.services import operator_create, tenant_provision
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import PlatformOperator, Tenant
from lenddesk.tenancy.modules import OPTIONAL_MODULES

PASSWORD = "Secret#2026"
_counter = itertools.count(1)


def make_tenant(
    *,
    slug: str | None = None,
    name: str = "测试公司",
    seats: int = 20,
    modules=None,
    expires_on=None,
) -> Tenant:
    n = next(_counter)
    return tenant_provision(
        operator=None,
        name=name,
        slug=slug or "firm-%d" % n,
        admin_username="admin",
        admin_password=PASSWORD,
        admin_display_name="管理员",
        seats=seats,
        modules=[m.code for m in OPTIONAL_MODULES] if modules is None else modules,
        expires_on=expires_on,
    )


def make_user(
    tenant: Tenant,
    username: str,
    *,
    role_keys=("salesperson",),
    active: bool = True,
    name: str = "",
) -> User:
    with tenant_context(tenant):
        roles = Role.objects.filter(key__in=list(role_keys))
        return user_create(
            actor=None,
            username=username,
            display_name=name or username,
            password=PASSWORD,
            role_ids=[r.pk for r in roles],
            active=active,
        )


def make_operator(username: str = "op") -> PlatformOperator:
    return operator_create(username=username, password=PASSWORD, display_name="运营")
