"""The finance pages as staff use them: the receivables list with its aging chips,
one receivable and its forms (htmx: a refused form comes back with its errors, 400),
accounts, settings, other expenses, profit with the drill-down, the month-end close,
and the fee panel on the order page."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from lenddesk.finance.models import ClosedMonth, FirmAccount, OtherExpense, Receipt
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.finance.conftest import receivable, receive

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = str(timezone.localdate())


@pytest.fixture
def pages(client, fin):
    fin["rec"] = receivable(fin, days_ago=70)  # 6000.00, 61–90 days
    fin["fresh"] = receivable(fin, days_ago=3)
    force_session(client, fin["f1"])
    return fin


def test_receivables_list_with_aging_chips(client, pages):
    page = client.get("/finance/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="aging-61_90"' in text
    assert pages["rec"].order.number in text and pages["fresh"].order.number in text
    chip = client.get("/finance/?status=open&aging=61_90").content.decode()
    assert pages["rec"].order.number in chip
    assert pages["fresh"].order.number not in chip
    sorted_page = client.get("/finance/?sort=due_asc&q=&status=all")
    assert sorted_page.status_code == 200
    assert client.get("/finance/?status=bogus&sort=bogus&aging=x").status_code == 200


def test_record_a_receipt_through_htmx(client, pages):
    url = "/finance/receivables/%d/receipts/" % pages["rec"].pk
    body = {"amount": "1000", "occurred_on": TODAY, "account": pages["account"].pk}
    refused = client.post(url, {**body, "amount": "9999"}, **HTMX)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'data-field="amount"' in text and "6000.00" in text
    assert "<html" not in text[:500]  # the form's box, swapped in place
    done = client.post(url, body, **HTMX)
    assert done.status_code == 204
    assert done["HX-Redirect"] == "/finance/receivables/%d/" % pages["rec"].pk
    detail = client.get(done["HX-Redirect"]).content.decode()
    assert 'data-testid="receivable-outstanding">5000.00' in detail


def test_a_refused_form_without_htmx_shows_the_whole_page(client, pages):
    url = "/finance/receivables/%d/refunds/" % pages["rec"].pk
    answer = client.post(
        url, {"amount": "1", "occurred_on": TODAY, "account": pages["account"].pk}
    )
    assert answer.status_code == 400
    assert 'data-field="amount"' in answer.content.decode()
    with tenant_context(pages["tenant"]):
        assert not Receipt.objects.exists()


def test_write_off_form(client, pages):
    url = "/finance/receivables/%d/writeoffs/" % pages["rec"].pk
    refused = client.post(url, {"occurred_on": TODAY, "note": ""}, **HTMX)
    assert (
        refused.status_code == 400 and 'data-field="note"' in refused.content.decode()
    )
    assert (
        client.post(url, {"occurred_on": TODAY, "note": "失联"}, **HTMX).status_code
        == 204
    )


def test_a_salesperson_cannot_open_finance_pages(client, pages):
    force_session(client, pages["s1"])
    assert client.get("/finance/").status_code == 403
    url = "/finance/receivables/%d/receipts/" % pages["rec"].pk
    assert client.post(url, {"amount": "1"}).status_code == 403


def test_accounts_and_settings(client, pages):
    force_session(client, pages["admin"])
    refused = client.post(
        "/finance/accounts/",
        {"name": "公司", "bank": "工行", "account_number": "12ab"},
        **HTMX,
    )
    assert refused.status_code == 400
    assert 'data-field="account_number"' in refused.content.decode()
    made = client.post(
        "/finance/accounts/",
        {"name": "公司", "bank": "工行", "account_number": "6222 0000 1111 2222"},
    )
    assert made.status_code == 302
    listing = client.get("/finance/accounts/").content.decode()
    assert "****2222" in listing and "6222000011112222" not in listing
    with tenant_context(pages["tenant"]):
        account = FirmAccount.objects.get(account_tail="2222")
        assert account.get_secret("account_number") == "6222000011112222"
    client.post("/finance/accounts/%d/active/" % account.pk, {"active": "0"})
    with tenant_context(pages["tenant"]):
        assert not FirmAccount.objects.get(pk=account.pk).is_active
    bad = client.post("/finance/settings/", {"invoice_threshold": "-3"}, **HTMX)
    assert bad.status_code == 400
    assert 'data-field="invoice_threshold"' in bad.content.decode()
    assert (
        client.post("/finance/settings/", {"invoice_threshold": "3000"}).status_code
        == 302
    )
    assert 'value="3000.00"' in client.get("/finance/settings/").content.decode()


def test_other_expenses_page(client, pages):
    bad = client.post(
        "/finance/expenses/",
        {
            "category": "快递",
            "amount": "20",
            "occurred_on": TODAY,
            "order_number": "NOPE",
        },
        **HTMX,
    )
    assert bad.status_code == 400
    assert 'data-field="order_number"' in bad.content.decode()
    ok = client.post(
        "/finance/expenses/",
        {
            "category": "快递",
            "amount": "20.50",
            "occurred_on": TODAY,
            "order_number": pages["rec"].order.number,
        },
    )
    assert ok.status_code == 302
    with tenant_context(pages["tenant"]):
        expense = OtherExpense.objects.get()
        assert expense.order_id == pages["rec"].order_id
    assert "20.50" in client.get("/finance/expenses/").content.decode()


def test_profit_page_chart_and_drill_down(client, pages):
    receive(pages, pages["fresh"], "1000")
    this_month = timezone.localdate().strftime("%Y-%m")
    page = client.get("/finance/profit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "echarts.min.js" in text and 'id="profit-chart-data"' in text
    data = text.split('id="profit-chart-data" type="application/json">')[1]
    chart = json.loads(data.split("</script>")[0])
    assert chart["months"][-1] == this_month and chart["fee"][-1] == "1000.00"
    for view in ("channel", "order"):
        assert client.get("/finance/profit/?view=%s" % view).status_code == 200
    rows = client.get("/finance/profit/rows/?month=%s&kind=fee" % this_month)
    assert rows.status_code == 200
    assert pages["fresh"].order.number in rows.content.decode()
    assert client.get("/finance/profit/?from=bad&to=9999-99").status_code == 200


def test_close_page(client, pages):
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime(
        "%Y-%m"
    )
    refused = client.post(
        "/finance/close/", {"month": timezone.localdate().strftime("%Y-%m")}, **HTMX
    )
    assert (
        refused.status_code == 400 and 'data-field="month"' in refused.content.decode()
    )
    assert client.post("/finance/close/", {"month": last}).status_code == 302
    with tenant_context(pages["tenant"]):
        assert ClosedMonth.objects.filter(month=last + "-01").exists()
    assert last in client.get("/finance/close/").content.decode()


def test_order_page_shows_the_fee_panel(client, pages):
    receive(pages, pages["rec"], "1500")
    page = client.get("/orders/%d/" % pages["rec"].order_id)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="order-panel-finance"' in text
    assert 'data-testid="panel-received">1500.00' in text
    assert 'data-testid="panel-outstanding">4500.00' in text
    assert "/finance/receivables/%d/" % pages["rec"].pk in text
