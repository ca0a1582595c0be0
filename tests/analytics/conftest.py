"""A firm whose every metric has source rows, made through the real services once per
test module (``world``), and a second firm that must stay invisible.

销售一部 (lead1, s1) with its sub-team 一部一组 (s2); 销售二部 (s3); gm, finance f1.
Every number in ``EXPECTED`` is what a person counting the rows by hand would get
for the firm over ``world["first"]`` … ``world["last"]``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.accounts.services import department_create
from lenddesk.acquisition.attribution import attribution_record
from lenddesk.acquisition.channels import ad_account_save, channel_for, spend_save
from lenddesk.customers.models import Customer, FollowUp
from lenddesk.customers.services import (
    customer_release,
    followup_create,
    visit_book,
    visit_set_status,
)
from lenddesk.finance.services import account_add
from lenddesk.orders.submissions import submission_create, submission_decide
from lenddesk.telephony.services import call_start, number_add
from lenddesk.tenancy.context import tenant_context
from tests.commissions.conftest import refund, staff_plan
from tests.customers.conftest import add_customer
from tests.factories import make_tenant, make_user
from tests.finance.conftest import approved_order, disburse, receive
from tests.orders.conftest import move, open_order
from tests.orders.test_submissions import upload
from tests.products.conftest import make_product
from tests.telephony.conftest import all_day, script

D = Decimal


def _people(tenant, admin) -> dict:
    with tenant_context(tenant):
        one = department_create(actor=admin, name="销售一部")
        sub = department_create(actor=admin, name="一部一组", parent_id=one.pk)
        two = department_create(actor=admin, name="销售二部")
    w = {
        "tenant": tenant,
        "admin": admin,
        "one": one,
        "sub": sub,
        "two": two,
        "lead1": make_user(tenant, "lead1", role_keys=["team_lead"]),
        "s1": make_user(tenant, "s1", name="销售甲"),
        "s2": make_user(tenant, "s2", name="销售乙"),
        "s3": make_user(tenant, "s3", name="销售丙"),
        "gm": make_user(tenant, "gm", role_keys=["general_manager"]),
        "f1": make_user(tenant, "f1", role_keys=["finance"]),
    }
    placed = {"lead1": one, "s1": one, "s2": sub, "s3": two}
    with tenant_context(tenant):
        for key, department in placed.items():
            User.objects.filter(pk=w[key].pk).update(department=department)
            w[key].refresh_from_db()
        w["account"] = account_add(
            actor=admin,
            name="某某咨询",
            bank="招商银行",
            account_number="6222020000001",
        )
    w["product"] = make_product(tenant, admin)
    return w


def _customers(w) -> None:
    t, admin = w["tenant"], w["admin"]
    w["c1"] = add_customer(t, admin, name="张小明", owner=w["s1"], channel="抖音")
    w["c2"] = add_customer(t, admin, name="李小红", owner=w["s2"], channel="百度")
    w["c3"] = add_customer(t, admin, name="王大力", owner=w["s3"], channel="抖音")
    w["c4"] = add_customer(t, admin, name="赵公海", channel="抖音")  # in the pool
    w["c5"] = add_customer(t, admin, name="钱退回", owner=w["s2"], channel="")
    with tenant_context(t):
        w["douyin"] = channel_for(name="抖音", kind="ad")
        w["ad1"] = ad_account_save(actor=admin, channel=w["douyin"], name="抖音一号")
        attribution_record(customer=w["c1"], source_kind="ad", ad_account=w["ad1"])
        customer_release(actor=w["s2"], customer=w["c5"], reason="不需要")


def _activity(w) -> None:
    t = w["tenant"]
    with tenant_context(t):
        for who, customer, n in (("s1", "c1", 3), ("s2", "c2", 1), ("s3", "c3", 2)):
            for i in range(n):
                followup_create(
                    actor=w[who],
                    customer=w[customer],
                    kind="call",
                    content="跟进%d" % i,
                )
        # one of s1's is a week old: outside the list's days
        old = FollowUp.objects.filter(author=w["s1"]).order_by("pk").first()
        FollowUp.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - dt.timedelta(days=7)
        )
        FollowUp.objects.create(
            customer=w["c1"],
            author=w["s1"],
            kind="other",
            content="系统",
            is_system=True,
        )
        visit = visit_book(
            actor=w["s1"],
            customer=w["c1"],
            scheduled_at=timezone.now() + dt.timedelta(hours=1),
            place="公司",
        )
        visit_set_status(actor=w["s1"], visit=visit, status="arrived")
        all_day(w["admin"])
        number_add(
            actor=w["admin"], number="02088880001", daily_cap=100, cooldown_seconds=0
        )
        script("connected", "no_answer")
        call_start(actor=w["s1"], customer=w["c1"])
        call_start(actor=w["s1"], customer=w["c1"])


def _money(w) -> None:
    t = w["tenant"]
    staff_plan(w)
    w["o1"] = approved_order(w, owner=w["s1"], amount="300000")
    with tenant_context(t):
        Customer.objects.filter(pk=w["o1"].customer_id).update(channel="抖音")
    disburse(w, w["o1"], days_ago=1)
    w["rec1"] = make_receivable_for(w, w["o1"])
    receive(w, w["rec1"], D("6000"))
    refund(w, w["rec1"], "1000")
    w["o2"] = open_order(t, w["s3"], product=w["product"], customer=w["c3"])
    w["o3"] = open_order(t, w["s2"], product=w["product"], customer=w["c2"])
    move(t, w["s2"], w["o3"], "cancel", comment="客户放弃")
    upload(t, w["admin"], w["c3"], "id_card")
    upload(t, w["admin"], w["c3"], "property_certificate")
    upload(t, w["admin"], w["c3"], "contract")
    with tenant_context(t):
        sent = submission_create(actor=w["admin"], order=w["o2"], product=w["product"])
        submission_decide(
            actor=w["admin"], submission=sent, decision="rejected", reason="征信不足"
        )
    with tenant_context(t):
        start = timezone.localdate() - dt.timedelta(days=2)
        spend_save(
            actor=w["admin"],
            ad_account=w["ad1"],
            period_start=start,
            period_end=start + dt.timedelta(days=2),
            amount=D("1000.00"),
        )


def make_receivable_for(w, order):
    from lenddesk.finance.services import receivable_for_disbursement
    from lenddesk.orders.models import Disbursement

    with tenant_context(w["tenant"]):
        return receivable_for_disbursement(
            Disbursement.objects.get(order=order), actor=w["admin"]
        )


def build_world() -> dict:
    tenant = make_tenant(slug="facts-a", name="甲公司")
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
    w = _people(tenant, admin)
    _customers(w)
    _activity(w)
    _money(w)
    other = make_tenant(slug="facts-b", name="乙公司")
    with tenant_context(other):
        admin_b = User.objects.get(username="admin")
    seller_b = make_user(other, "sb", name="乙销售")
    customer_b = add_customer(other, admin_b, name="外公司", owner=seller_b)
    with tenant_context(other):
        followup_create(actor=seller_b, customer=customer_b, kind="call", content="x")
    w["other"], w["seller_b"] = other, seller_b
    today = timezone.localdate()
    w["first"], w["last"] = today - dt.timedelta(days=3), today + dt.timedelta(days=1)
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        w = build_world()
        yield w
        transaction.set_rollback(True)


# (count, amount) of each metric over world["first"] … world["last"], counted by hand
EXPECTED = {
    "new_customers": (6, None),  # c1–c5 and the approved order's customer
    "followups": (5, None),  # s1 2 (a third is a week old), s2 1, s3 2; not system
    "calls": (2, None),
    "calls_connected": (1, None),
    "visits": (1, None),
    "signed_orders": (3, None),
    "lost_orders": (1, None),
    "submissions": (2, None),
    "approvals": (1, None),
    "rejections": (1, None),
    "disbursed": (1, D("300000.00")),
    "fees": (2, D("5000.00")),  # 6000 received, 1000 refunded
    "commission": (2, D("500.00")),  # 10 % of 6000, clawed back 10 % of 1000
    "spend": (3, D("1000.00")),  # 333.33 + 333.33 + 333.34
    "pool_returns": (1, None),
}


@pytest.fixture(scope="module")
def facts(world, django_db_blocker):
    """The world's facts, refreshed once for the module."""
    from lenddesk.analytics.refresh import refresh_facts

    with django_db_blocker.unblock(), tenant_context(world["tenant"]):
        refresh_facts(world["first"], world["last"])
    return world
