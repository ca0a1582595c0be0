"""The finance demo: played after the whole demo firm (the lead adds it to the demo
command's parts), through the real services."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from lenddesk.finance import demo
from lenddesk.finance.models import (
    ClosedMonth,
    FirmAccount,
    OtherExpense,
    Receipt,
    Receivable,
)
from lenddesk.orders.models import Disbursement
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant


@pytest.fixture(scope="module")
def demo_firm(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        tenant = Tenant.objects.get(slug="demo")
        lines = []
        with tenant_context(tenant):
            if not Receivable.objects.exists():  # not yet among the demo's parts
                demo.build(tenant, lines.append)
            demo.build(tenant, lines.append)  # a second run adds nothing
        yield tenant, lines
        transaction.set_rollback(True)


def test_demo_books(demo_firm, db):
    tenant, lines = demo_firm
    assert lines[-1].endswith("(kept)")
    with tenant_context(tenant):
        assert Receivable.objects.count() == Disbursement.objects.count() > 5
        kinds = set(Receipt.objects.values_list("kind", flat=True))
        assert kinds == {"receipt", "refund", "writeoff"}
        assert Receivable.objects.filter(status="open", received__gt=0).exists()
        assert FirmAccount.objects.filter(is_active=False).exists()
        assert OtherExpense.objects.count() >= 4
        assert ClosedMonth.objects.count() == 1
        closed = ClosedMonth.objects.get()
        assert closed.totals["profit"]


def test_demo_pages_render_for_the_finance_clerk(demo_firm, db, client):
    from lenddesk.accounts.models import User
    from tests.conftest import force_session

    tenant, _lines = demo_firm
    with tenant_context(tenant):
        clerk = User.objects.get(username="finance1")
        receivable = Receivable.objects.filter(receipts__kind="refund").first()
    force_session(client, clerk)
    for url in (
        "/finance/",
        "/finance/?status=open&aging=over_90",
        "/finance/profit/",
        "/finance/profit/?view=channel",
        "/finance/profit/?view=order",
        "/finance/close/",
        "/finance/expenses/",
        "/finance/receivables/%d/" % receivable.pk,
        "/orders/%d/" % receivable.order_id,
    ):
        assert client.get(url).status_code == 200, url
