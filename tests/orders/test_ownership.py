"""An order's owner follows its customer (decision 0010): every way a customer
changes hands moves its running orders, so the order scope can read the order's own
owner. A finished order keeps the owner who ran it; a merge moves the duplicate's
orders to the survivor."""

from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import Customer
from lenddesk.customers.services.customers import customer_merge
from lenddesk.customers.services.pool import (
    customer_assign,
    customer_claim,
    customer_release,
)
from lenddesk.orders import selectors
from lenddesk.orders.models import Order, OrderParticipant
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.orders.conftest import move, open_order


def _owner(order) -> str:
    return Order.objects.get(pk=order.pk).owner.username


def _visible(user) -> set[int]:
    return set(selectors.orders_visible(user).values_list("pk", flat=True))


def test_assigning_a_customer_moves_its_running_orders_and_the_scope_follows(
    tenant_a, admin_a, crew, credit
):
    s1, s2 = crew["s1"], crew["s3"]
    order = open_order(tenant_a, s1, product=credit)
    with tenant_context(tenant_a):
        customer_assign(actor=admin_a, customers=[order.customer], owner=s2)
        assert _owner(order) == "s3"
        assert order.pk in _visible(s2)
        assert order.pk not in _visible(s1), "the old owner's participation went too"
        assert OrderParticipant.objects.filter(
            order=order, user=s2, role_key="salesperson"
        ).exists()
        event = AuditEvent.objects.get(action="order.owner_followed")
        assert event.changes == {"owner": [s1.pk, s2.pk]}


def test_a_released_customer_keeps_its_order_with_the_owner_until_claimed(
    tenant_a, crew, credit
):
    s1, s2 = crew["s1"], crew["s2"]
    order = open_order(tenant_a, s1, product=credit)
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=order.customer_id).update(has_open_business=False)
        customer = Customer.objects.get(pk=order.customer_id)
        customer_release(actor=s1, customer=customer, reason="测试")
        assert _owner(order) == "s1"
        assert order.pk in _visible(s1)
        customer_claim(actor=s2, customer=Customer.objects.get(pk=customer.pk))
        assert _owner(order) == "s2"
        assert order.pk in _visible(s2) and order.pk not in _visible(s1)


def test_a_finished_order_keeps_the_owner_who_ran_it(tenant_a, admin_a, crew, credit):
    s1, s2 = crew["s1"], crew["s2"]
    order = open_order(tenant_a, s1, product=credit)
    move(tenant_a, s1, order, "cancel", comment="客户放弃")
    with tenant_context(tenant_a):
        customer_assign(actor=admin_a, customers=[order.customer], owner=s2)
        assert _owner(order) == "s1"


def test_a_merge_moves_the_duplicates_orders_to_the_survivor(
    tenant_a, admin_a, crew, credit
):
    s1, s2 = crew["s1"], crew["s2"]
    survivor = add_customer(tenant_a, admin_a, owner=s2, name="李四")
    order = open_order(tenant_a, s1, product=credit)
    with tenant_context(tenant_a):
        duplicate = Customer.objects.get(pk=order.customer_id)
        customer_merge(actor=admin_a, survivor=survivor, duplicate=duplicate)
        moved = Order.objects.get(pk=order.pk)
        assert moved.customer_id == survivor.pk
        assert moved.owner == s2
        assert not Customer.objects.filter(pk=duplicate.pk).exists()


def test_the_order_scope_is_the_owner_or_a_participant_and_nothing_else(
    tenant_a, crew, credit
):
    s1, s2, p1, lead = crew["s1"], crew["s2"], crew["p1"], crew["lead1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    other = open_order(tenant_a, crew["s3"], product=credit)
    with tenant_context(tenant_a):
        assert _visible(s1) == {order.pk}
        assert _visible(p1) == {order.pk}
        assert _visible(s2) == set()
        assert _visible(lead) == {order.pk}  # s1 is in lead1's department
        assert other.pk in _visible(crew["gm"])
