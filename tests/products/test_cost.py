"""All-in cost (贷款明白纸): schedules, APR by IRR, the ceiling warning."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lenddesk.audit.models import AuditEvent
from lenddesk.products import services
from lenddesk.products.cost import cost_sheet, irr, schedule, total_cost
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.products.conftest import in_english, make_product, person

D = Decimal


def test_irr_of_known_flows():
    # 1,000 now, 1,100 back in one month: 10% a month.
    assert irr([D(1000), D(-1100)]).quantize(D("0.000001")) == D("0.100000")
    # A flat 0.75% a month on 10,000 over 12 months (908.33 a month) is 16.22% a
    # year, the textbook "installment trap" (Excel: RATE(12,-908.33,10000)*12).
    monthly = irr([D(10000)] + [D("-908.33")] * 12)
    assert (monthly * 1200).quantize(D("0.01")) == D("16.22")
    # Zero-interest: the rate is zero.
    assert abs(irr([D(1200)] + [D(-100)] * 12)) < D("1e-12")


def test_irr_refuses_flows_without_a_sign_change():
    with pytest.raises(ValueError):
        irr([D(100), D(100)])


def test_equal_instalments_match_the_annuity_formula():
    rows = schedule(
        amount=D(100000), term=12, annual_rate=D(12), method="equal_instalment"
    )
    assert rows[0].total == D("8884.88")
    assert rows[0].interest == D("1000.00")
    assert sum(r.principal for r in rows) == D(100000)
    assert rows[-1].balance == 0


def test_equal_principal_and_interest_only():
    rows = schedule(
        amount=D(120000), term=12, annual_rate=D(12), method="equal_principal"
    )
    assert [r.principal for r in rows[:2]] == [D("10000.00"), D("10000.00")]
    assert rows[0].interest == D("1200.00") and rows[-1].interest == D("100.00")
    assert sum(r.interest for r in rows) == D("7800.00")
    balloon = schedule(
        amount=D(100000), term=12, annual_rate=D(12), method="interest_only"
    )
    assert [r.total for r in balloon[:11]] == [D("1000.00")] * 11
    assert balloon[-1].total == D("101000.00")


class _Product:
    rate_min = D(12)
    guarantee_fee_percent = D(0)
    guarantee_fee_monthly_percent = D(0)
    service_fee_percent = D(0)
    service_fee_min = D(0)

    def service_fee(self, amount):
        return (amount * self.service_fee_percent / 100).quantize(D("0.01"))


@pytest.mark.parametrize(
    "method", ["equal_instalment", "equal_principal", "interest_only"]
)
def test_without_fees_the_apr_is_the_nominal_rate(method):
    sheet = cost_sheet(product=_Product(), amount=D(100000), term=12, method=method)
    assert sheet.apr == D("12.00")
    assert sheet.effective_annual == D("12.68")
    assert not sheet.above_ceiling


def test_fees_raise_the_apr():
    product = _Product()
    product.service_fee_percent = D(2)
    sheet = cost_sheet(
        product=product, amount=D(100000), term=12, method="equal_instalment"
    )
    assert sheet.service_fee == D("2000.00")
    assert sheet.received == D("98000.00")
    assert sheet.apr == D("15.85")
    product.guarantee_fee_monthly_percent = D("0.5")
    with_guarantee = cost_sheet(
        product=product, amount=D(100000), term=12, method="equal_instalment"
    )
    assert with_guarantee.total_guarantee == D("6000.00")
    assert with_guarantee.apr > D(24)
    assert with_guarantee.above_ceiling
    assert isinstance(with_guarantee.apr, Decimal)


def test_the_disclosure_warns_above_the_firms_ceiling(client, tenant_a, admin_a):
    product = make_product(
        tenant_a,
        admin_a,
        rate_min=D(15),
        rate_max=D(18),
        service_fee_percent=D(8),
        amount_min=D(10000),
    )
    customer = person(
        tenant_a, admin_a, age=40, demand_amount="100000", demand_term_months=12
    )
    force_session(client, admin_a)
    in_english(client)
    url = "/products/%d/disclosure/?customer=%d" % (product.pk, customer.pk)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="apr-warning"' in html
    assert "above the firm's ceiling of 24.00%" in html
    assert 'data-testid="schedule"' in html and "Borrower's signature" in html
    assert "products/print.css" in html
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(action="products.disclosure").count() == 1
        services.product_settings_update(
            actor=admin_a, apr_ceiling=D(40), review_role=None
        )
    assert 'data-testid="apr-warning"' not in client.get(url).content.decode()


def test_bad_cost_input_names_the_field(client, tenant_a, admin_a):
    product = make_product(tenant_a, admin_a)
    force_session(client, admin_a)
    in_english(client)
    response = client.get("/products/%d/cost/?amount=abc&term=999" % product.pk)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Amount: give a number of yuan." in html
    assert "Term: this product offers 12 to 120 months." in html


def test_cost_api(client, tenant_a, admin_a):
    from lenddesk.accounts.services import token_issue

    product = make_product(
        tenant_a, admin_a, rate_min=D(12), rate_max=D(15), service_fee_percent=D(0)
    )
    with tenant_context(tenant_a):
        _token, raw = token_issue(user=admin_a)
    response = client.get(
        "/api/v1/products/%d/cost/?amount=100000&term=12&method=equal_instalment"
        % product.pk,
        HTTP_AUTHORIZATION="Bearer " + raw,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["apr"] == "12.00"
    assert body["schedule"][0]["payment"] == "8884.88"
    bad = client.get(
        "/api/v1/products/%d/cost/?method=balloon" % product.pk,
        HTTP_AUTHORIZATION="Bearer " + raw,
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid"


@given(
    amount=st.decimals(min_value=1000, max_value=5_000_000, places=2),
    term=st.integers(min_value=1, max_value=360),
    rate=st.decimals(min_value=0, max_value=36, places=2),
    method=st.sampled_from(["equal_instalment", "equal_principal", "interest_only"]),
    monthly=st.decimals(min_value=0, max_value=2, places=3),
)
@settings(max_examples=200, deadline=None)
def test_the_quick_total_is_the_schedules_total_to_the_cent(
    amount, term, rate, method, monthly
):
    """A match card's price (no rows built) equals the disclosure's total."""
    from types import SimpleNamespace

    from lenddesk.products.cost import interest_total

    rows = schedule(
        amount=amount,
        term=term,
        annual_rate=rate,
        method=method,
        monthly_guarantee=monthly,
    )
    assert interest_total(
        amount=amount, term=term, annual_rate=rate, method=method
    ) == sum((r.interest for r in rows), Decimal(0))
    product = SimpleNamespace(
        rate_min=rate,
        guarantee_fee_percent=Decimal("0.5"),
        guarantee_fee_monthly_percent=monthly,
        service_fee=lambda a: (a / 100).quantize(Decimal("0.01")),
    )
    sheet = cost_sheet(product=product, amount=amount, term=term, method=method)
    assert (
        total_cost(product=product, amount=amount, term=term, method=method)
        == sheet.total_cost
    )


def test_a_small_long_loan_never_repays_more_principal_than_is_owed():
    """The rounded payment overshoots on a small 349-month loan; every row stays
    non-negative and the principal parts still sum to the amount."""
    rows = schedule(
        amount=Decimal("2252.56"),
        term=349,
        annual_rate=Decimal("17.36"),
        method="equal_instalment",
    )
    assert all(r.principal >= 0 and r.interest >= 0 and r.balance >= 0 for r in rows)
    assert sum((r.principal for r in rows), Decimal(0)) == Decimal("2252.56")
