"""The demo firm's commissions: plans, statements of the closed month (locked,
approved), a paid payout batch, and the pages show them. The finance and commission
parts run after the demo command's parts, as the lead will list them."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from lenddesk.accounts.models import User
from lenddesk.commissions import demo
from lenddesk.commissions.models import (
    PartnerStatement,
    PayoutBatch,
    StaffStatement,
)
from lenddesk.finance import demo as finance_demo
from lenddesk.finance.models import ClosedMonth
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from tests.conftest import force_session


@pytest.fixture(scope="module")
def _demo_firm(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        tenant = Tenant.objects.get(slug="demo")
        with tenant_context(tenant):
            demo.build_plans(tenant, print)
            finance_demo.build(tenant, print)
            demo.build(tenant, print)
            demo.build(tenant, print)  # idempotent
        yield tenant
        transaction.set_rollback(True)


def test_demo_has_locked_statements_of_the_closed_month_and_a_paid_batch(
    _demo_firm, db
):
    with tenant_context(_demo_firm):
        closed = ClosedMonth.objects.order_by("-month").first()
        assert closed is not None
        staff = StaffStatement.objects.filter(month=closed.month)
        assert staff.exists()
        assert not staff.filter(locked_at__isnull=True).exists()
        assert not staff.exclude(status="approved").exists()
        assert PartnerStatement.objects.filter(month=closed.month).exists()
        assert PayoutBatch.objects.filter(status="paid").count() >= 1


def test_demo_pages_show_the_statements(_demo_firm, db, client):
    with tenant_context(_demo_firm):
        clerk = User.objects.get(username="finance1")
        month = ClosedMonth.objects.order_by("-month").first().month
    force_session(client, clerk)
    for url in (
        "/commissions/staff/?month=%s" % month.strftime("%Y-%m"),
        "/commissions/partners/?month=%s" % month.strftime("%Y-%m"),
        "/commissions/payouts/",
        "/commissions/withholding/?month=%s" % month.strftime("%Y-%m"),
        "/commissions/reconciliation/?month=%s" % month.strftime("%Y-%m"),
        "/commissions/plans/staff/",
        "/commissions/plans/partners/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
