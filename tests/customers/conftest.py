import pytest

from lenddesk.accounts.models import User
from lenddesk.accounts.services import department_create
from lenddesk.customers.services import customer_create
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_user

_phone = iter(range(10_000_000))


def next_phone() -> str:
    return "139%08d" % next(_phone)


def add_customer(tenant, actor, *, name="张三", owner=None, to_pool=False, **data):
    phone = data.pop("phone", None) or next_phone()
    with tenant_context(tenant):
        return customer_create(
            actor=actor,
            data={"name": name, **data},
            phone=phone,
            owner=owner,
            to_pool=to_pool or owner is None,
        ).customer


@pytest.fixture
def team(tenant_a, admin_a):
    """销售一部 with lead1, s1, s2; 销售二部 with s3."""
    with tenant_context(tenant_a):
        one = department_create(actor=admin_a, name="销售一部")
        two = department_create(actor=admin_a, name="销售二部")
    people = {
        "lead1": make_user(tenant_a, "lead1", role_keys=["team_lead"]),
        "s1": make_user(tenant_a, "s1"),
        "s2": make_user(tenant_a, "s2"),
        "s3": make_user(tenant_a, "s3"),
    }
    with tenant_context(tenant_a):
        for key, department in {"lead1": one, "s1": one, "s2": one, "s3": two}.items():
            User.objects.filter(pk=people[key].pk).update(department=department)
            people[key].refresh_from_db()
    return people
