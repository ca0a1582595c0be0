"""Eligibility rules: validated against the catalogue, versioned with dates."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from lenddesk.audit.models import AuditEvent
from lenddesk.products import services
from lenddesk.products.models import RuleSet
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.products.conftest import in_english, make_product, person


def _save(tenant, actor, product, rows, **kwargs):
    with tenant_context(tenant), translation.override("en"):
        return services.rules_save(actor=actor, product=product, rows=rows, **kwargs)


def test_rules_are_normalised_and_audited(tenant_a, admin_a):
    product = make_product(tenant_a, admin_a)
    rule_set = _save(
        tenant_a,
        admin_a,
        product,
        [
            {"field": "age", "op": "lte", "value": " 60 "},
            {"field": "monthly_income", "op": "gte", "value": "8,000"},
            {"field": "city", "op": "in", "value": "成都，重庆、西安"},
            {"field": "has_house", "op": "is_true", "value": "whatever"},
        ],
    )
    assert rule_set.version == 1
    assert rule_set.rules == [
        {"field": "age", "op": "lte", "value": 60, "message": ""},
        {"field": "monthly_income", "op": "gte", "value": "8000.00", "message": ""},
        {"field": "city", "op": "in", "value": ["成都", "重庆", "西安"], "message": ""},
        {"field": "has_house", "op": "is_true", "value": None, "message": ""},
    ]
    with tenant_context(tenant_a):
        event = AuditEvent.objects.filter(action="products.rules_saved").get()
    assert event.changes["version"] == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"field": "salary", "op": "gte", "value": "1"},
            "Rule 2: unknown field “salary”.",
        ),
        (
            {"field": "age", "op": "gte", "value": "sixty"},
            "Rule 2 (Age): “sixty” is not a whole number.",
        ),
        (
            {"field": "age", "op": "gte", "value": "60.5"},
            "Rule 2 (Age): “60.5” is not a whole number.",
        ),
        (
            {"field": "monthly_income", "op": "gte", "value": "lots"},
            "Rule 2 (Monthly income): “lots” is not an amount.",
        ),
        (
            {"field": "has_house", "op": "gte", "value": "1"},
            "Rule 2: “gte” cannot be used with Owns a house.",
        ),
        (
            {"field": "city", "op": "in", "value": " , "},
            "Rule 2 (City): give at least one value.",
        ),
    ],
)
def test_a_bad_rule_is_refused_naming_its_row(tenant_a, admin_a, row, message):
    product = make_product(tenant_a, admin_a)
    with pytest.raises(ValidationError) as caught:
        _save(
            tenant_a,
            admin_a,
            product,
            [{"field": "age", "op": "lte", "value": "60"}, row],
        )
    assert caught.value.message_dict == {"rules": [message]}
    with tenant_context(tenant_a):
        assert not RuleSet.objects.filter(product=product).exists()


def test_a_past_match_is_explained_by_the_version_it_used(tenant_a, admin_a):
    product = make_product(
        tenant_a, admin_a, rules=[{"field": "age", "op": "lte", "value": "60"}]
    )
    customer = person(tenant_a, admin_a, age=62)
    with tenant_context(tenant_a):
        before = services.match_customer(actor=admin_a, customer=customer)
    assert not before.matches[0].eligible
    _save(
        tenant_a,
        admin_a,
        product,
        [{"field": "age", "op": "lte", "value": "65"}],
        note="资方放宽年龄",
    )
    with tenant_context(tenant_a):
        now = services.match_customer(actor=admin_a, customer=customer)
        past = services.match_explain(run=before.run)
    assert now.matches[0].eligible and now.matches[0].version == 2
    assert not past.matches[0].eligible
    assert past.matches[0].version == 1
    with translation.override("en"):
        assert past.matches[0].failed[0].failure == "Age 62, above the limit of 60"


def test_a_future_version_is_not_used_before_its_date(tenant_a, admin_a):
    product = make_product(
        tenant_a, admin_a, rules=[{"field": "age", "op": "lte", "value": "60"}]
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _save(
        tenant_a,
        admin_a,
        product,
        [{"field": "age", "op": "lte", "value": "50"}],
        effective_from=tomorrow,
    )
    customer = person(tenant_a, admin_a, age=55)
    with tenant_context(tenant_a):
        today = services.match_customer(actor=admin_a, customer=customer)
        later = services.match_customer(
            actor=admin_a, customer=customer, today=tomorrow
        )
    assert today.matches[0].eligible and today.matches[0].version == 1
    assert not later.matches[0].eligible and later.matches[0].version == 2


def test_the_rule_editor_saves_rows_in_order(client, tenant_a, admin_a):
    product = make_product(tenant_a, admin_a)
    force_session(client, admin_a)
    response = client.post(
        "/products/%d/rules/" % product.pk,
        {
            "rule-b1-field": "age",
            "rule-b1-op": "lte",
            "rule-b1-value": "60",
            "rule-a2-field": "has_house",
            "rule-a2-op": "is_true",
            "rule-a2-value": "",
            "rule-a2-message": "须有本地房产",
            "effective_from": timezone.localdate().isoformat(),
            "note": "首版",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        rules = RuleSet.objects.get(product=product).rules
    assert [r["field"] for r in rules] == ["age", "has_house"]
    assert rules[1]["message"] == "须有本地房产"
    page = client.get("/products/%d/" % product.pk).content.decode()
    assert 'data-testid="rules-in-force"' in page


def test_the_rule_editor_shows_errors_and_keeps_the_rows(client, tenant_a, admin_a):
    product = make_product(tenant_a, admin_a)
    force_session(client, admin_a)
    response = in_english(client).post(
        "/products/%d/rules/" % product.pk,
        {
            "rule-x1-field": "age",
            "rule-x1-op": "lte",
            "rule-x1-value": "abc",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Rule 1 (Age): “abc” is not a whole number." in html
    assert 'value="abc"' in html


def test_the_editor_adds_and_removes_rows_with_htmx(client, tenant_a, admin_a):
    force_session(client, admin_a)
    row = client.get("/products/rule-row/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    html = row.content.decode()
    assert 'class="rule-row"' in html and 'hx-swap="delete"' in html
    assert "<script" not in html and "onclick" not in html
    assert client.get("/products/rule-row/?remove=1").content == b""


def test_a_salesperson_cannot_change_rules(client, tenant_a, admin_a, salesperson_a):
    product = make_product(tenant_a, admin_a)
    force_session(client, salesperson_a)
    response = client.post(
        "/products/%d/rules/" % product.pk,
        {"rule-a-field": "age", "rule-a-op": "lte", "rule-a-value": "60"},
    )
    assert response.status_code == 403
