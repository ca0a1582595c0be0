"""Product pages and the products API as a manager, a salesperson and an integrator
see them."""

from decimal import Decimal

import pytest

from lenddesk.accounts.services import token_issue
from lenddesk.audit.models import AuditEvent
from lenddesk.products.models import Funder, Product
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.products.conftest import MORTGAGE_RULES, in_english, make_product, person


def _bearer(tenant, user) -> dict:
    with tenant_context(tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def test_a_manager_enters_a_funder_and_a_mortgage_product(client, tenant_a, admin_a):
    force_session(client, admin_a)
    assert client.get("/products/funders/new/").status_code == 200
    response = client.post(
        "/products/funders/new/",
        {
            "name": "招商银行成都分行",
            "kind": "bank",
            "status": "active",
            "contact_name": "李经理",
            "rebate_percent": "0.8",
            "rebate_terms": "放款次月结算",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        funder = Funder.objects.get()
    form = {
        "funder": funder.pk,
        "name": "房抵经营贷",
        "type": "mortgage",
        "amount_min": "100000",
        "amount_max": "5000000",
        "term_min": "12",
        "term_max": "120",
        "rate_min": "3.2",
        "rate_max": "4.5",
        "repayment_methods": ["equal_instalment", "interest_only"],
        "processing_days": "15",
        "service_fee_percent": "1.5",
        "service_fee_min": "3000",
        "guarantee_fee_percent": "0",
        "guarantee_fee_monthly_percent": "0",
        "required_documents": ["id_card", "property_certificate"],
        "is_active": "on",
    }
    response = client.post("/products/new/", form)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        product = Product.objects.get()
        assert product.rate_min == Decimal("3.200")
        assert product.service_fee(Decimal(100000)) == Decimal("3000")
        assert AuditEvent.objects.filter(action="products.product_saved").exists()
    listing = client.get("/products/?type=mortgage").content.decode()
    assert "房抵经营贷" in listing


def test_product_form_errors_name_the_field(client, tenant_a, admin_a):
    make_product(tenant_a, admin_a)
    with tenant_context(tenant_a):
        funder = Funder.objects.get()
    force_session(client, admin_a)
    in_english(client)
    response = client.post(
        "/products/new/",
        {
            "funder": funder.pk,
            "name": "反了",
            "type": "credit",
            "amount_min": "50000",
            "amount_max": "10000",
            "term_min": "12",
            "term_max": "36",
            "rate_min": "5",
            "rate_max": "8",
            "repayment_methods": ["equal_instalment"],
            "processing_days": "3",
            "service_fee_percent": "0",
            "service_fee_min": "0",
            "guarantee_fee_percent": "0",
            "guarantee_fee_monthly_percent": "0",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="amount_max"' in html
    assert "The maximum amount must be ≥ the minimum." in html


def test_a_salesperson_views_but_does_not_manage(
    client, tenant_a, admin_a, salesperson_a
):
    product = make_product(tenant_a, admin_a)
    force_session(client, salesperson_a)
    assert client.get("/products/").status_code == 200
    assert client.get("/products/%d/" % product.pk).status_code == 200
    assert client.get("/products/%d/edit/" % product.pk).status_code == 403
    assert client.get("/products/scorecard/").status_code == 403
    assert client.post("/products/funders/new/", {"name": "x"}).status_code == 403


def test_menu_shows_products(client, tenant_a, admin_a):
    force_session(client, admin_a)
    html = client.get("/products/").content.decode()
    assert 'href="/products/funders/"' in html
    assert 'href="/products/scorecard/"' in html


def test_api_products_and_rules(client, tenant_a, admin_a):
    headers = _bearer(tenant_a, admin_a)
    funder = client.post(
        "/api/v1/funders/",
        {"name": "马上消费金融", "kind": "consumer_finance"},
        content_type="application/json",
        **headers,
    )
    assert funder.status_code == 201, funder.content
    created = client.post(
        "/api/v1/products/",
        {
            "funder": funder.json()["id"],
            "name": "安逸花",
            "type": "credit",
            "amount_min": "1000",
            "amount_max": "200000",
            "term_min": 3,
            "term_max": 36,
            "rate_min": "7.2",
            "rate_max": "23.9",
            "repayment_methods": ["equal_instalment"],
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = client.post(
        "/api/v1/products/%d/rules/" % pk,
        {"rules": [{"field": "age", "op": "lte", "value": "old"}]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid"
    assert bad.json()["fields"] == {
        "rules": ["Rule 1 (Age): “old” is not a whole number."]
    }
    good = client.post(
        "/api/v1/products/%d/rules/" % pk,
        {"rules": [{"field": "age", "op": "lte", "value": 55}], "note": "v1"},
        content_type="application/json",
        **headers,
    )
    assert good.status_code == 201
    assert good.json()["version"] == 1
    detail = client.get("/api/v1/products/%d/" % pk, **headers).json()
    assert detail["rules_in_force"]["rules"][0]["value"] == 55
    listing = client.get("/api/v1/products/?type=credit", **headers).json()
    assert [p["name"] for p in listing] == ["安逸花"]


def test_api_customer_matches_in_both_languages(client, tenant_a, admin_a):
    make_product(tenant_a, admin_a, rules=MORTGAGE_RULES)
    customer = person(tenant_a, admin_a, age=62, city="成都", has_house=True)
    headers = _bearer(tenant_a, admin_a)
    response = client.get("/api/v1/customers/%d/matches/" % customer.pk, **headers)
    assert response.status_code == 200
    body = response.json()
    result = body["results"][0]
    assert result["eligible"] is False and result["rule_version"] == 1
    failed = [c for c in result["criteria"] if not c["passed"]]
    assert failed[0]["text"]["en"]["failure"] == "Age 62, above the limit of 60"
    assert failed[0]["source"] == "declared"
    assert set(failed[0]["text"]) == {"zh-hans", "en"}
    again = client.get("/api/v1/matches/%d/" % body["match"], **headers)
    assert again.json()["results"][0]["criteria"] == result["criteria"]


def test_api_prescreen_and_review(client, tenant_a, admin_a):
    customer = person(tenant_a, admin_a, age=40, has_house=True)
    headers = _bearer(tenant_a, admin_a)
    response = client.post("/api/v1/customers/%d/prescreen/" % customer.pk, **headers)
    assert response.status_code == 201
    body = response.json()
    assert body["grade"] == "B" and body["points"] == 50
    assert body["explanation"]["en"][0]["text"] == "No valid national ID number"
    review = client.post(
        "/api/v1/prescreens/%d/review/" % body["id"],
        {"reason": "客户要求人工复核"},
        content_type="application/json",
        **headers,
    )
    assert review.status_code == 201
    assert review.json()["role"] == "general_manager"
    twice = client.post(
        "/api/v1/prescreens/%d/review/" % body["id"],
        content_type="application/json",
        **headers,
    )
    assert twice.status_code == 400
    assert twice.json()["error"] == "review_open"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/products/{product}/",
        "/api/v1/products/{product}/rules/",
        "/api/v1/products/{product}/cost/",
        "/api/v1/funders/{funder}/",
        "/api/v1/customers/{customer}/matches/",
    ],
)
def test_api_other_firms_ids_are_404(client, tenant_a, tenant_b, admin_a, admin_b, url):
    product = make_product(tenant_b, admin_b)
    customer = person(tenant_b, admin_b, age=40)
    headers = _bearer(tenant_a, admin_a)
    target = url.format(
        product=product.pk, funder=product.funder_id, customer=customer.pk
    )
    assert client.get(target, **headers).status_code == 404


def test_api_salesperson_cannot_create_products(client, tenant_a, salesperson_a):
    headers = _bearer(tenant_a, salesperson_a)
    assert client.get("/api/v1/products/", **headers).status_code == 200
    response = client.post(
        "/api/v1/funders/", {"name": "x"}, content_type="application/json", **headers
    )
    assert response.status_code == 403


def test_every_page_renders_for_a_manager(client, tenant_a, admin_a):
    from lenddesk.products import services

    product = make_product(tenant_a, admin_a, rules=MORTGAGE_RULES)
    customer = person(tenant_a, admin_a, age=45, city="成都", has_house=True)
    with tenant_context(tenant_a):
        run = services.match_customer(actor=admin_a, customer=customer).run
        prescreen = services.prescreen_run(actor=admin_a, customer=customer)
        review = services.review_request(actor=admin_a, prescreen=prescreen)
    force_session(client, admin_a)
    pages = [
        "/products/",
        "/products/new/",
        "/products/funders/",
        "/products/funders/new/",
        "/products/funders/%d/" % product.funder_id,
        "/products/%d/" % product.pk,
        "/products/%d/edit/" % product.pk,
        "/products/%d/cost/" % product.pk,
        "/products/%d/cost/?customer=%d" % (product.pk, customer.pk),
        "/products/%d/disclosure/?customer=%d" % (product.pk, customer.pk),
        "/products/match/%d/" % customer.pk,
        "/products/matches/%d/" % run.pk,
        "/products/prescreens/%d/" % prescreen.pk,
        "/products/reviews/",
        "/products/reviews/%d/" % review.pk,
        "/products/scorecard/",
        "/products/rule-row/?kind=band",
        "/customers/%d/" % customer.pk,
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"onclick" not in response.content, url
    assert client.get("/products/%d/disclosure/" % product.pk).status_code == 404


def test_the_scorecard_page_saves_a_new_version(client, tenant_a, admin_a):
    force_session(client, admin_a)
    in_english(client)
    response = client.post(
        "/products/scorecard/",
        {
            "form": "scorecard",
            "band-a-field": "monthly_income",
            "band-a-min": "10000",
            "band-a-max": "",
            "band-a-points": "40",
            "band-b-field": "has_house",
            "band-b-yes": "1",
            "band-b-points": "30",
            "hard-under_18": "1",
            "hard-over_age": "1",
            "hard-over_age-value": "60",
            "grade-A": "60",
            "grade-B": "40",
            "grade-C": "20",
            "blacklist_tag": "黑名单",
        },
    )
    assert response.status_code == 302
    from lenddesk.products.models import Scorecard

    with tenant_context(tenant_a):
        card = Scorecard.objects.order_by("-version").first()
    assert card.version == 2
    assert card.bands == [
        {"field": "monthly_income", "min": "10000", "max": None, "points": 40},
        {"field": "has_house", "value": True, "points": 30},
    ]
    assert card.hard_rules == [{"code": "under_18"}, {"code": "over_age", "value": 60}]
    bad = client.post(
        "/products/scorecard/",
        {
            "form": "scorecard",
            "band-a-field": "age",
            "band-a-min": "x",
            "band-a-points": "1",
        },
    )
    assert bad.status_code == 400
    assert "Band 1: “x” is not a number." in bad.content.decode()
    settings = client.post(
        "/products/scorecard/", {"form": "settings", "apr_ceiling": "abc"}
    )
    assert settings.status_code == 400
