"""Orders for warrant tests, made directly through the order models (the orders
services are another helper's), and the people of a warrant centre."""

import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from lenddesk.orders.models import (
    Order,
    VersionStatus,
    Workflow,
    WorkflowNode,
    WorkflowVersion,
)
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.factories import make_user

_numbers = itertools.count(1)


def _flow():
    workflow, created = Workflow.objects.get_or_create(
        key="mortgage", defaults={"name": "抵押贷", "product_types": ["mortgage"]}
    )
    if not created:
        return workflow.current, workflow.current.nodes.first()
    version = WorkflowVersion.objects.create(
        workflow=workflow, number=1, status=VersionStatus.PUBLISHED
    )
    node = WorkflowNode.objects.create(
        version=version, position=1, key="registration", name="抵押登记"
    )
    workflow.current = version
    workflow.save(update_fields=["current"])
    return version, node


def make_order(tenant, actor, *, owner, customer=None, name="王五"):
    """An open order of ``owner``'s customer (made by ``actor``)."""
    customer = customer or add_customer(tenant, actor, name=name, owner=owner)
    with tenant_context(tenant):
        version, node = _flow()
        return Order.objects.create(
            number="YW%06d" % next(_numbers),
            customer=customer,
            owner=owner,
            version=version,
            node=node,
            amount=Decimal("300000.00"),
            term_months=36,
            node_entered_at=timezone.now(),
            created_by=actor,
        )


@pytest.fixture
def officer_a(tenant_a):
    return make_user(tenant_a, "warrant1", role_keys=["warrant_officer"], name="吴刚")


@pytest.fixture
def officer2_a(tenant_a):
    return make_user(tenant_a, "warrant2", role_keys=["warrant_officer"], name="郑强")


@pytest.fixture
def order_a(tenant_a, admin_a, salesperson_a):
    return make_order(tenant_a, admin_a, owner=salesperson_a)
