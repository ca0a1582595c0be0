"""Issue 13, finding 9 and the tag cap: numbers a manager or integrator types are
validated before anything is saved (400 naming the field, never a 500 or a half-made
rule), and a customer carries at most 20 tags."""

import pytest
from django.test import Client

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers.models import AllocationRule, Customer, Tag, TagRule
from lenddesk.customers.services import MAX_TAGS
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.customers.test_pages_and_api import _bearer


def _rule_post(team, weight):
    return {
        "name": "成都渠道",
        "department": team["lead1"].department_id,
        "priority": "10",
        "is_active": "on",
        "weight_%d" % team["s1"].pk: weight,
    }


@pytest.mark.parametrize("weight", ["abc", "NaN", "Infinity", "-1", "200", "1e999"])
def test_bad_weight_refuses_the_whole_rule(client, tenant_a, admin_a, team, weight):
    force_session(client, admin_a)
    response = client.post("/customers/allocation/", _rule_post(team, weight))
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert any(team["s1"].username in e for e in errors), errors
    with tenant_context(tenant_a):
        assert not AllocationRule.objects.exists()
        assert not AuditEvent.objects.filter(
            action=AuditAction.ALLOCATION_RULE_CHANGED
        ).exists()


def test_weights_of_an_outsider_or_a_junk_id_are_refused(
    client, tenant_a, admin_a, team
):
    force_session(client, admin_a)
    for key in ("weight_%d" % team["s3"].pk, "weight_abc"):  # s3: another team
        data = {**_rule_post(team, "2"), key: "1"}
        assert client.post("/customers/allocation/", data).status_code == 400
    with tenant_context(tenant_a):
        assert not AllocationRule.objects.exists()


def test_good_rule_is_saved_with_its_weights(client, tenant_a, admin_a, team):
    force_session(client, admin_a)
    response = client.post("/customers/allocation/", _rule_post(team, "2.5"))
    assert response.status_code == 302
    with tenant_context(tenant_a):
        rule = AllocationRule.objects.get()
    assert rule.weights == {str(team["s1"].pk): "2.5"}


@pytest.mark.parametrize("weight", ["NaN", "abc", "101"])
def test_changing_weights_to_junk_keeps_the_old_ones(
    client, tenant_a, admin_a, team, weight
):
    force_session(client, admin_a)
    client.post("/customers/allocation/", _rule_post(team, "3"))
    with tenant_context(tenant_a):
        rule = AllocationRule.objects.get()
    response = client.post(
        "/customers/allocation/%d/weights/" % rule.pk,
        {"weight_%d" % team["s1"].pk: weight, "is_active": "on"},
    )
    assert response.status_code == 400
    with tenant_context(tenant_a):
        rule.refresh_from_db()
    assert rule.weights == {str(team["s1"].pk): "3"}


def test_tag_rule_with_a_non_number_is_refused_and_customers_still_save(
    client, tenant_a, admin_a, team
):
    force_session(client, admin_a)
    for value in ("NaN", "Infinity", "x" * 61):
        client.post(
            "/customers/rules/tags/",
            {
                "tag": "高收入",
                "field": "monthly_income",
                "operator": "gte",
                "value": value,
            },
        )
    with tenant_context(tenant_a):
        assert not TagRule.objects.exists()
    created = add_customer(
        tenant_a, admin_a, owner=admin_a, name="有收入", monthly_income="30000"
    )
    assert created.pk


def test_amounts_and_months_beyond_the_columns_name_the_field(tenant_a, team):
    api = Client()
    headers = _bearer(tenant_a, team["s1"])
    for field, value in (
        ("demand_amount", "NaN"),
        ("demand_amount", "1e20"),
        ("monthly_income", "Infinity"),
        ("demand_term_months", 99999),
    ):
        response = api.post(
            "/api/v1/customers/",
            {"name": "测试", "phone": "13900009999", field: value},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 400, (field, value)
        assert field in response.json()["fields"], response.json()
    with tenant_context(tenant_a):
        assert not Customer.objects.filter(name="测试").exists()


def _tags(n):
    return ["标签%d" % i for i in range(n)]


def test_tag_cap_on_the_page(client, tenant_a, team):
    force_session(client, team["s1"])
    base = {"name": "多标签", "kind": "person", "urgency": "normal"}
    too_many = client.post(
        "/customers/new/",
        {**base, "phone": "13900000001", "tags": ",".join(_tags(MAX_TAGS + 1))},
    )
    assert too_many.status_code == 400
    assert "tags" in too_many.context["form"].errors
    too_long = client.post(
        "/customers/new/", {**base, "phone": "13900000002", "tags": "长" * 31}
    )
    assert too_long.status_code == 400
    assert "tags" in too_long.context["form"].errors
    with tenant_context(tenant_a):
        assert not Customer.objects.filter(name="多标签").exists()
        assert not Tag.objects.exists()
    fine = client.post(
        "/customers/new/",
        {**base, "phone": "13900000003", "tags": ",".join(_tags(MAX_TAGS))},
    )
    assert fine.status_code == 302
    with tenant_context(tenant_a):
        assert Customer.objects.get(name="多标签").tags.count() == MAX_TAGS


def test_tag_cap_in_the_api_create_and_patch(tenant_a, team):
    api = Client()
    headers = _bearer(tenant_a, team["s1"])
    flood = api.post(
        "/api/v1/customers/",
        {"name": "接口客户", "phone": "13900000004", "tags": _tags(10_000)},
        content_type="application/json",
        **headers,
    )
    assert flood.status_code == 400 and "tags" in flood.json()["fields"]
    created = api.post(
        "/api/v1/customers/",
        {"name": "接口客户", "phone": "13900000004", "tags": ["甲"]},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    patched = api.patch(
        "/api/v1/customers/%d/" % created.json()["id"],
        {"tags": _tags(MAX_TAGS + 1)},
        content_type="application/json",
        **headers,
    )
    assert patched.status_code == 400 and "tags" in patched.json()["fields"]
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="接口客户")
        assert list(customer.tags.values_list("name", flat=True)) == ["甲"]
        assert Tag.objects.count() == 1
