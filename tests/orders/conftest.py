"""A firm with the people an order meets: two salespeople in a team under a team
lead, two processors, a warrant officer and finance; a credit and a mortgage product;
a helper that opens orders through the real service."""

from decimal import Decimal

import pytest

# The departure step registers on import (the app's ready() is the lead's to wire).
import lenddesk.orders.handover  # noqa: F401
from lenddesk.accounts.models import User
from lenddesk.accounts.services import department_create
from lenddesk.orders.services import order_move, order_open
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.factories import make_user
from tests.products.conftest import make_product


@pytest.fixture
def crew(tenant_a, admin_a):
    """销售一部: lead1 over s1, s2; 销售二部: s3; p1, p2 processors; w1; f1."""
    with tenant_context(tenant_a):
        one = department_create(actor=admin_a, name="销售一部")
        two = department_create(actor=admin_a, name="销售二部")
    people = {
        "lead1": make_user(tenant_a, "lead1", role_keys=["team_lead"]),
        "s1": make_user(tenant_a, "s1"),
        "s2": make_user(tenant_a, "s2"),
        "s3": make_user(tenant_a, "s3"),
        "p1": make_user(tenant_a, "p1", role_keys=["processor"]),
        "p2": make_user(tenant_a, "p2", role_keys=["processor"]),
        "w1": make_user(tenant_a, "w1", role_keys=["warrant_officer"]),
        "f1": make_user(tenant_a, "f1", role_keys=["finance"]),
        "gm": make_user(tenant_a, "gm", role_keys=["general_manager"]),
    }
    with tenant_context(tenant_a):
        for key, department in {"lead1": one, "s1": one, "s2": one, "s3": two}.items():
            User.objects.filter(pk=people[key].pk).update(department=department)
            people[key].refresh_from_db()
    return people


@pytest.fixture
def credit(tenant_a, admin_a):
    return make_product(
        tenant_a,
        admin_a,
        name="工薪信用贷",
        type="credit",
        amount_min=Decimal("10000"),
        amount_max=Decimal("500000"),
        term_min=6,
        term_max=60,
        required_documents=["id_card", "income_proof"],
    )


@pytest.fixture
def mortgage(tenant_a, admin_a):
    return make_product(tenant_a, admin_a)


def open_order(tenant, actor, *, product, customer=None, owner=None, **values):
    """An order for a new customer of ``owner`` (the actor by default)."""
    owner = owner or actor
    customer = customer or add_customer(tenant, actor, owner=owner, name="王五")
    terms = {
        "amount": Decimal("200000"),
        "term_months": 36,
        "fee_kind": "rate",
        "fee_rate": Decimal("2"),
        **values,
    }
    with tenant_context(tenant):
        return order_open(actor=actor, customer=customer, products=[product], **terms)


def move(tenant, actor, order, kind="forward", **values):
    with tenant_context(tenant):
        order.refresh_from_db()
        return order_move(actor=actor, order=order, kind=kind, **values)
