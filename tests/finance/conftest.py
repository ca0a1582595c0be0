"""A firm whose orders reach disbursement through the real services (approval by the
funder, the loan paid out), a registered account and helpers to record money."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from lenddesk.finance.services import (
    account_add,
    receipt_record,
    receivable_for_disbursement,
)
from lenddesk.orders.disbursements import disbursement_record
from lenddesk.orders.models import Order
from lenddesk.orders.submissions import submission_create, submission_decide
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.factories import make_user
from tests.orders.test_submissions import make_order, upload
from tests.products.conftest import make_product

_names = itertools.count(1)


@pytest.fixture
def fin(tenant_a, admin_a):
    """Two salespeople, finance staff, a mortgage product and a registered account."""
    people = {
        "tenant": tenant_a,
        "admin": admin_a,
        "s1": make_user(tenant_a, "fs1", role_keys=["salesperson"]),
        "s2": make_user(tenant_a, "fs2", role_keys=["salesperson"]),
        "f1": make_user(tenant_a, "ff1", role_keys=["finance"]),
        "product": make_product(tenant_a, admin_a),
    }
    with tenant_context(tenant_a):
        people["account"] = account_add(
            actor=admin_a,
            name="某某咨询有限公司",
            bank="招商银行",
            account_number="6222021234567890",
        )
    return people


def approved_order(w, *, owner=None, amount="300000", **fee_terms) -> Order:
    """An order approved by the funder for ``amount``, with the fee terms given."""
    tenant, admin = w["tenant"], w["admin"]
    owner = owner or w["s1"]
    customer = add_customer(tenant, admin, name="客户%d" % next(_names), owner=owner)
    upload(tenant, admin, customer, "id_card")
    upload(tenant, admin, customer, "property_certificate")
    order = make_order(tenant, owner, customer, [w["product"]], amount=amount)
    terms = {"fee_kind": "rate", "fee_rate": Decimal("2"), **fee_terms}
    with tenant_context(tenant):
        Order.objects.filter(pk=order.pk).update(**terms)
        order = Order.objects.select_related("node").get(pk=order.pk)
        submission = submission_create(actor=admin, order=order, product=w["product"])
        submission_decide(
            actor=admin,
            submission=submission,
            decision="approved",
            amount=Decimal(amount),
            rate=Decimal("4.2"),
            term=36,
        )
    return order


def disburse(w, order, *, amount=None, days_ago=10):
    today = timezone.localdate()
    day = today - dt.timedelta(days=days_ago)
    with tenant_context(w["tenant"]):
        order = Order.objects.get(pk=order.pk)
        return disbursement_record(
            actor=w["admin"],
            order=order,
            amount=Decimal(amount or order.amount),
            disbursed_on=day,
            first_due_on=day + dt.timedelta(days=30),
            annual_rate=Decimal("4.2"),
            term_months=36,
            method="equal_instalment",
            account_bank="工商银行",
            account_number="6212261234567890",
        )


def receivable(w, *, amount="300000", days_ago=10, disbursed=None, **kwargs):
    """A disbursed order's receivable (made through the finance service)."""
    order = approved_order(w, amount=amount, **kwargs)
    disbursement = disburse(w, order, amount=disbursed, days_ago=days_ago)
    with tenant_context(w["tenant"]):
        return receivable_for_disbursement(disbursement, actor=w["admin"])


def receive(w, rec, amount, *, actor=None, day=None, **extra):
    with tenant_context(w["tenant"]):
        return receipt_record(
            actor=actor or w["f1"],
            receivable=rec,
            amount=amount,
            occurred_on=day or timezone.localdate(),
            account=w["account"],
            **extra,
        )
