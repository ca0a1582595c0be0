"""Matching one customer: every active product, why not, what would qualify, ranked."""

from decimal import Decimal

import pytest
from django.utils import translation

from lenddesk.customers.models import DocumentKind
from lenddesk.products import services
from lenddesk.products.models import MatchRun
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user
from tests.products.conftest import MORTGAGE_RULES, make_product, person


def _match(tenant, actor, customer):
    with tenant_context(tenant):
        return services.match_customer(actor=actor, customer=customer)


def _by_name(outcome, name):
    return next(m for m in outcome.matches if m.product.name == name)


def test_a_62_year_old_is_told_exactly_why_and_what_would_qualify(
    tenant_a, admin_a, mortgage
):
    customer = person(
        tenant_a, admin_a, age=62, city="成都", has_house=True, monthly_income="6500"
    )
    make_product(
        tenant_a,
        admin_a,
        name="工薪贷",
        type="credit",
        rules=[{"field": "monthly_income", "op": "gte", "value": "8000"}],
    )
    outcome = _match(tenant_a, admin_a, customer)
    with translation.override("en"):
        m = _by_name(outcome, "房抵贷")
        assert not m.eligible
        assert [c.failure for c in m.failed] == ["Age 62, above the limit of 60"]
        assert m.failed[0].fix == "Age must be ≤ 60; now 62"
        income = _by_name(outcome, "工薪贷").failed[0]
        assert income.failure == (
            "Monthly income 6500 yuan, below the minimum of 8000 yuan"
        )
        assert income.fix == "Monthly income must be ≥ 8000 yuan; now 6500 yuan"
    texts = income.texts()
    assert texts["en"]["fix"] == "Monthly income must be ≥ 8000 yuan; now 6500 yuan"
    with translation.override("zh-hans"):
        translated = translation.gettext(
            "%(label)s must be ≥ %(limit)s; now %(actual)s"
        )
    if translated.startswith("%(label)s需"):  # the zh catalogue has been merged
        assert texts["zh-hans"]["fix"] == "月收入需≥8000元，当前6500元"
        assert m.failed[0].texts()["zh-hans"]["failure"] == "年龄62岁，超过上限60岁"


def test_every_active_product_is_listed_eligible_first(tenant_a, admin_a, mortgage):
    make_product(tenant_a, admin_a, name="停售产品", is_active=False)
    make_product(tenant_a, admin_a, name="无门槛贷", type="credit")
    customer = person(tenant_a, admin_a, age=40, city="成都市", has_house=True)
    outcome = _match(tenant_a, admin_a, customer)
    names = [m.product.name for m in outcome.matches]
    assert "停售产品" not in names
    assert set(names) == {"房抵贷", "无门槛贷"}
    assert all(m.eligible for m in outcome.matches)
    with tenant_context(tenant_a):
        run = MatchRun.objects.get(pk=outcome.run.pk)
    assert run.eligible_count == 2
    assert {r["product"] for r in run.results} == {
        m.product.pk for m in outcome.matches
    }


def test_missing_values_fail_with_unknown(tenant_a, admin_a, mortgage):
    customer = person(tenant_a, admin_a, age=None, city="", has_house=True)
    with translation.override("en"):
        failures = [
            c.failure for c in _match(tenant_a, admin_a, customer).matches[0].failed
        ]
    assert failures == ["Age not known", "Age not known", "City not known"]


def test_declared_until_a_document_verifies_it(tenant_a, admin_a, mortgage):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from lenddesk.customers.documents import document_upload

    customer = person(tenant_a, admin_a, age=45, city="成都", has_house=True)
    sources = {
        c.field: c.source
        for c in _match(tenant_a, admin_a, customer).matches[0].criteria
    }
    assert sources["has_house"] == "declared"
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    with tenant_context(tenant_a):
        document_upload(
            actor=admin_a,
            customer=customer,
            kind=DocumentKind.PROPERTY_CERTIFICATE,
            upload=SimpleUploadedFile("deed.png", png.getvalue()),
        )
    criteria = _match(tenant_a, admin_a, customer).matches[0].criteria
    sources = {c.field: c.source for c in criteria}
    assert sources["has_house"] == "verified"
    assert sources["city"] == "declared"


def test_ranking_prefers_fit_then_cost_then_speed_and_says_why(tenant_a, admin_a):
    cheap = make_product(
        tenant_a, admin_a, name="低息快贷", rate_min=Decimal("3.0"), processing_days=3
    )
    make_product(
        tenant_a,
        admin_a,
        name="高息慢贷",
        rate_min=Decimal("9.0"),
        rate_max=Decimal("12"),
        processing_days=20,
    )
    make_product(
        tenant_a,
        admin_a,
        name="小额贷",
        amount_min=Decimal("10000"),
        amount_max=Decimal("200000"),
        rate_min=Decimal("3.0"),
        processing_days=3,
    )
    customer = person(
        tenant_a, admin_a, age=35, demand_amount="500000", demand_term_months=36
    )
    outcome = _match(tenant_a, admin_a, customer)
    assert [m.product.name for m in outcome.eligible] == [
        "低息快贷",
        "高息慢贷",
        "小额贷",
    ]
    assert [m.rank for m in outcome.eligible] == [1, 2, 3]
    first = outcome.eligible[0]
    assert first.product == cheap
    with translation.override("en"):
        reasons = first.reason_texts()
        assert "the amount wanted is within its range" in reasons
        assert any(r.startswith("lowest expected cost") for r in reasons)
        assert "fastest: about 3 days" in reasons
        assert "lends at most 200000 yuan, less than wanted" in (
            outcome.eligible[2].reason_texts()
        )


def test_panel_on_the_customer_page(client, tenant_a, admin_a, mortgage):
    customer = person(tenant_a, admin_a, age=62, city="成都", has_house=True)
    force_session(client, admin_a)
    page = client.get("/customers/%d/" % customer.pk).content.decode()
    assert 'hx-get="/products/match/%d/"' % customer.pk in page
    response = client.get(
        "/products/match/%d/" % customer.pk,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="match-panel"' in html
    assert "<html" not in html
    assert 'data-testid="failure"' in html
    assert "房抵贷" in html


def test_salesperson_matches_only_customers_in_scope(
    client, tenant_a, admin_a, team, mortgage
):
    mine = person(tenant_a, team["s1"], age=40, city="成都", has_house=True)
    theirs = person(tenant_a, team["s3"], age=40, city="成都", has_house=True)
    force_session(client, team["s1"])
    assert client.get("/products/match/%d/" % mine.pk).status_code == 200
    assert client.get("/products/match/%d/" % theirs.pk).status_code == 404


def test_another_firms_customer_is_404(client, tenant_a, tenant_b, admin_a, admin_b):
    foreign = person(tenant_b, admin_b, age=40)
    force_session(client, admin_a)
    assert client.get("/products/match/%d/" % foreign.pk).status_code == 404


def test_a_telemarketer_may_match_but_not_edit_products(client, tenant_a, mortgage):
    caller = make_user(tenant_a, "tm1", role_keys=["telemarketer"])
    customer = person(tenant_a, caller, age=40)
    force_session(client, caller)
    assert client.get("/products/match/%d/" % customer.pk).status_code == 200
    assert client.get("/products/%d/" % mortgage.pk).status_code == 200
    assert client.get("/products/new/").status_code == 403


@pytest.mark.parametrize("rules", [MORTGAGE_RULES])
def test_matching_many_products_stays_a_handful_of_queries(
    tenant_a, admin_a, rules, django_assert_max_num_queries
):
    for n in range(20):
        make_product(tenant_a, admin_a, name="产品%d" % n, rules=rules)
    customer = person(tenant_a, admin_a, age=40, city="成都", has_house=True)
    with tenant_context(tenant_a), django_assert_max_num_queries(8):
        outcome = services.match_customer(actor=admin_a, customer=customer)
    assert len(outcome.eligible) == 20


def test_the_card_cost_link_opens_the_loan_it_priced_with_the_same_total(
    client, tenant_a, admin_a
):
    """The top product lends at most 200,000 while 500,000 is wanted: the card prices
    200,000, and its link must open that loan (not the 500,000 wanted, refused)."""
    import re

    make_product(
        tenant_a,
        admin_a,
        name="小额贷",
        amount_min=Decimal("10000"),
        amount_max=Decimal("200000"),
        guarantee_fee_percent=Decimal("0.5"),
        guarantee_fee_monthly_percent=Decimal("0.1"),
    )
    customer = person(
        tenant_a, admin_a, age=35, demand_amount="500000", demand_term_months=36
    )
    top = _match(tenant_a, admin_a, customer).eligible[0]
    force_session(client, admin_a)
    panel = client.get(
        "/products/match/%d/" % customer.pk, HTTP_HX_REQUEST="true"
    ).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="cost-link"', panel).group(1)
    cost_page = client.get(link.replace("&amp;", "&"))
    assert cost_page.status_code == 200
    total = re.search(
        r'data-testid="total-cost">([\d,.]+)', cost_page.content.decode()
    ).group(1)
    assert Decimal(total.replace(",", "")) == top.expected_cost
    disclosure = client.get(
        link.replace("&amp;", "&").replace("/cost/", "/disclosure/")
    ).content.decode()
    assert re.search(r'data-testid="total-cost">([\d,.]+)', disclosure).group(1) == (
        total
    )
