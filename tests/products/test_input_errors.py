"""Bad input to the cost calculator and the rule editor is answered field by field:
the cost API keys its errors by the query parameter, and a rule set that could never
match anyone is refused with a message naming both rows."""

import html

import pytest
from django.utils import timezone

from lenddesk.accounts.services import token_issue
from lenddesk.audit.models import AuditEvent
from lenddesk.products.models import RuleSet
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.products.conftest import in_english, make_product


def _api(client, tenant, user):
    with tenant_context(tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_cost_api_errors_are_keyed_by_parameter(client, tenant_a, admin_a, language):
    product = make_product(tenant_a, admin_a)
    response = client.get(
        "/api/v1/products/%d/cost/?amount=abc&term=999&rate=99&method=balloon"
        % product.pk,
        HTTP_ACCEPT_LANGUAGE=language,
        **_api(client, tenant_a, admin_a),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert set(body["fields"]) == {"amount", "term", "rate", "method"}
    if language == "en":
        assert body["fields"]["amount"] == ["Amount: give a number of yuan."]
        assert body["fields"]["method"] == [
            "Repayment method: not offered by this product."
        ]


def test_cost_page_lists_each_problem(client, tenant_a, admin_a):
    product = make_product(tenant_a, admin_a)
    force_session(client, admin_a)
    response = in_english(client).get(
        "/products/%d/cost/?amount=abc&method=balloon" % product.pk
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div data-field="amount">Amount: give a number of yuan.</div>' in html
    assert 'data-field="method"' in html


def _rules_post(client, product, rows):
    data = {"effective_from": timezone.localdate().isoformat()}
    for n, (field, op, value) in enumerate(rows, start=1):
        data.update(
            {
                "rule-r%d-field" % n: field,
                "rule-r%d-op" % n: op,
                "rule-r%d-value" % n: value,
            }
        )
    return client.post("/products/%d/rules/" % product.pk, data)


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [("has_house", "is_true", ""), ("age", "gte", "60"), ("age", "lte", "22")],
            "Rules 2 and 3 can never both hold: Age ≥ 60 and Age ≤ 22.",
        ),
        (
            [("age", "gt", "30"), ("age", "lt", "31")],
            "Rules 1 and 2 can never both hold: Age > 30 and Age < 31.",
        ),
        (
            [("monthly_income", "eq", "8000"), ("monthly_income", "ne", "8000")],
            "Rules 1 and 2 can never both hold",
        ),
        (
            [("has_car", "is_true", ""), ("has_car", "is_false", "")],
            "Rules 1 and 2 can never both hold: Owns a car is yes and Owns a car is no.",
        ),
        (
            [("city", "in", "成都, 重庆"), ("city", "not_in", "成都市 重庆")],
            "Rules 1 and 2 can never both hold",
        ),
    ],
)
def test_rules_that_can_never_match_are_refused(
    client, tenant_a, admin_a, rows, message
):
    product = make_product(tenant_a, admin_a)
    force_session(client, admin_a)
    response = _rules_post(in_english(client), product, rows)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    with tenant_context(tenant_a):
        assert not RuleSet.objects.filter(product=product).exists()
        assert not AuditEvent.objects.filter(action="products.rules_saved").exists()


@pytest.mark.parametrize(
    "rows",
    [
        [("age", "gte", "22"), ("age", "lte", "60")],
        [("age", "gte", "30"), ("age", "lte", "30")],
        [("monthly_income", "gt", "5000"), ("monthly_income", "lt", "5000.01")],
        [("city", "in", "成都, 重庆"), ("city", "not_in", "成都")],
        [("city", "ne", "成都"), ("city", "not_in", "重庆")],
    ],
)
def test_narrow_but_possible_rules_are_kept(client, tenant_a, admin_a, rows):
    product = make_product(tenant_a, admin_a)
    force_session(client, admin_a)
    assert _rules_post(client, product, rows).status_code == 302


def test_the_rules_api_refuses_a_contradiction_by_field(client, tenant_a, admin_a):
    product = make_product(tenant_a, admin_a)
    response = client.post(
        "/api/v1/products/%d/rules/" % product.pk,
        {
            "rules": [
                {"field": "age", "op": "gte", "value": 60},
                {"field": "age", "op": "lte", "value": 22},
            ]
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **_api(client, tenant_a, admin_a),
    )
    assert response.status_code == 400
    assert response.json()["fields"]["rules"] == [
        "Rules 1 and 2 can never both hold: Age ≥ 60 and Age ≤ 22."
    ]
