"""Custom fields, department pools and saved views, as a manager sets them up."""

import pytest
from django.test import Client

from lenddesk.customers.models import Customer, CustomField, PublicPool, SavedView
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session


def test_custom_fields_are_validated_everywhere(client, tenant_a, admin_a, team):
    force_session(client, admin_a)
    assert (
        client.post(
            "/customers/rules/fields/", {"key": "Bad Key", "label": "x", "kind": "text"}
        ).status_code
        == 302
    )
    client.post(
        "/customers/rules/fields/",
        {
            "key": "marital",
            "label": "婚姻状况",
            "kind": "choice",
            "choices": "已婚,未婚",
            "required": "on",
        },
    )
    client.post(
        "/customers/rules/fields/",
        {"key": "loan_count", "label": "在贷笔数", "kind": "number"},
    )
    with tenant_context(tenant_a):
        assert sorted(CustomField.objects.values_list("key", flat=True)) == [
            "loan_count",
            "marital",
        ]
    base = {
        "name": "张三",
        "phone": "13912340000",
        "kind": "person",
        "urgency": "normal",
    }
    missing = client.post("/customers/new/", base)
    assert (
        missing.status_code == 400
        and "custom_marital" in missing.context["form"].errors
    )
    wrong = client.post(
        "/customers/new/", {**base, "custom_marital": "离异", "custom_loan_count": "x"}
    )
    assert {"custom_marital", "custom_loan_count"} <= set(wrong.context["form"].errors)
    ok = client.post(
        "/customers/new/", {**base, "custom_marital": "已婚", "custom_loan_count": "2"}
    )
    assert ok.status_code == 302
    with tenant_context(tenant_a):
        assert Customer.objects.get(name="张三").custom_fields == {
            "marital": "已婚",
            "loan_count": "2",
        }


def test_department_pool_is_seen_only_by_that_department(
    client, tenant_a, admin_a, team
):
    from lenddesk.customers.services import customer_create

    force_session(client, admin_a)
    client.post(
        "/customers/rules/pools/",
        {"name": "一部公海", "department": team["lead1"].department_id},
    )
    with tenant_context(tenant_a):
        pool = PublicPool.objects.get(name="一部公海")
        customer = customer_create(
            actor=admin_a, data={"name": "一部线索"}, phone="13700001111", to_pool=True
        ).customer
        Customer.objects.filter(pk=customer.pk).update(pool=pool)
    inside, outside = Client(), Client()
    force_session(inside, team["s1"])
    force_session(outside, team["s3"])
    assert "一*" in inside.get("/customers/pool/").content.decode()
    assert "一*" not in outside.get("/customers/pool/").content.decode()
    assert outside.post("/customers/%d/claim/" % customer.pk).status_code == 404


def test_saved_views(client, tenant_a, team):
    force_session(client, team["s1"])
    response = client.post(
        "/customers/views/", {"name": "A级客户", "query": "rating=A"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?rating=A")
    with tenant_context(tenant_a):
        assert SavedView.objects.get(user=team["s1"]).query == "rating=A"
    assert "A级客户" in client.get("/customers/").content.decode()
    force_session(client, team["s2"])
    assert "A级客户" not in client.get("/customers/").content.decode()


def test_tag_rules_tag_new_edited_imported_and_existing(
    client, tenant_a, admin_a, team, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from tests.customers.conftest import add_customer

    rich = add_customer(
        tenant_a, admin_a, owner=admin_a, name="老客户", demand_amount=Decimal("800000")
    )
    force_session(client, admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/customers/rules/tags/",
            {
                "tag": "大额",
                "field": "demand_amount",
                "operator": "gte",
                "value": "500000",
            },
        )
    client.post(
        "/customers/rules/tags/",
        {"tag": "有房", "field": "has_house", "operator": "is_true"},
    )
    bad = client.post(
        "/customers/rules/tags/",
        {"tag": "x", "field": "demand_amount", "operator": "gte", "value": "lots"},
        follow=True,
    )
    assert bad.status_code == 200
    new = add_customer(tenant_a, admin_a, owner=admin_a, name="新客户", has_house=True)
    with tenant_context(tenant_a):
        assert set(
            Customer.objects.get(pk=rich.pk).tags.values_list("name", flat=True)
        ) == {"大额"}
        assert set(
            Customer.objects.get(pk=new.pk).tags.values_list("name", flat=True)
        ) == {"有房"}


def test_a_sub_department_sees_its_parents_pool_and_a_sibling_does_not(
    tenant_a, admin_a, team
):
    """Reach is decided from the loaded row (no scope query); it must agree with the
    pool list's rule: the firm's pool, one's own department's and its ancestors'."""
    from django.http import Http404

    from lenddesk.accounts.models import User
    from lenddesk.accounts.services import department_create
    from lenddesk.customers.selectors import customer_get, pools_visible_to
    from lenddesk.customers.services import customer_create

    with tenant_context(tenant_a):
        parent = team["s1"].department
        child = department_create(actor=admin_a, name="一部一组", parent_id=parent.pk)
        User.objects.filter(pk=team["s2"].pk).update(department=child)
        nested, sibling = (
            User.objects.select_related("department").get(pk=team[k].pk)
            for k in ("s2", "s3")
        )
        pool = PublicPool.objects.create(name="一部公海", department=parent)
        customer = customer_create(
            actor=admin_a, data={"name": "一部线索"}, phone="13700002222", to_pool=True
        ).customer
        Customer.objects.filter(pk=customer.pk).update(pool=pool)
        assert customer_get(actor=nested, customer_id=customer.pk).pk == customer.pk
        assert pool in pools_visible_to(nested)
        assert pool not in pools_visible_to(sibling)
        with pytest.raises(Http404):
            customer_get(actor=sibling, customer_id=customer.pk)
