"""Organisation input the API and the pages must treat alike (issue 13, findings 10
and 15, and bounded integers): one validator for names, a clear 400 for a department
still in use, and a 400 for absurd numbers."""

import pytest
from django.test import Client

from lenddesk.accounts.models import Department, Role, User
from lenddesk.accounts.services import department_create, token_issue
from lenddesk.customers.models import AllocationRule, PublicPool
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session


@pytest.fixture
def api(tenant_a, admin_a):
    with tenant_context(tenant_a):
        _token, raw = token_issue(user=admin_a)
    client = Client(HTTP_AUTHORIZATION="Bearer " + raw, HTTP_ACCEPT_LANGUAGE="en")
    return client


def _post(api, url, body):
    return api.post(url, body, content_type="application/json")


def _new_user(**fields):
    return {
        "username": "good.name",
        "display_name": "张三",
        "password": "Secret#2026x",
        **fields,
    }


@pytest.mark.parametrize("username", ["a b/<>", "a", "名字", "x\ny", "tab\tname"])
def test_the_api_refuses_the_usernames_the_form_refuses(
    client, api, admin_a, tenant_a, username
):
    response = _post(api, "/api/v1/users/", _new_user(username=username))
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["username"]
    force_session(client, admin_a)
    page = client.post(
        "/accounts/staff/new/",
        {"username": username, "display_name": "张三", "password": "Secret#2026x"},
    )
    assert page.status_code == 400 and "username" in page.context["form"].errors
    with tenant_context(tenant_a):
        assert User.objects.count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "张\u202e三",  # right-to-left override
        "张\u200b三",  # zero-width space
        "张\x07三",  # bell
        "\u2066admin\u2069",  # bidi isolate
        "张\ufeff三",  # BOM
    ],
)
def test_hidden_characters_are_refused_in_every_name(
    client, api, admin_a, tenant_a, name
):
    user = _post(api, "/api/v1/users/", _new_user(display_name=name))
    assert user.status_code == 400
    assert "display_name" in user.json()["fields"]
    department = _post(api, "/api/v1/departments/", {"name": name})
    assert department.status_code == 400
    assert "name" in department.json()["fields"]
    role = _post(
        api,
        "/api/v1/roles/",
        {"key": "r1", "name": name, "data_scope": "self", "codes": []},
    )
    assert role.status_code == 400 and "name" in role.json()["fields"]
    force_session(client, admin_a)
    page = client.post("/accounts/departments/new/", {"name": name})
    assert page.status_code == 400 and "name" in page.context["form"].errors
    with tenant_context(tenant_a):
        assert not Department.objects.exists()
        assert not Role.objects.filter(key="r1").exists()


def test_ordinary_chinese_and_english_names_pass(api):
    created = _post(
        api,
        "/api/v1/users/",
        _new_user(username="zhang.san@firm", display_name="张三 Zhang"),
    )
    assert created.status_code == 201, created.content
    assert created.json()["display_name"] == "张三 Zhang"


def test_a_department_still_in_use_says_what_uses_it(client, api, tenant_a, admin_a):
    with tenant_context(tenant_a):
        department = department_create(actor=admin_a, name="销售一部")
        AllocationRule.objects.create(name="新客分配", department=department)
        PublicPool.objects.create(name="一部公海", department=department)
    response = api.delete("/api/v1/departments/%d/" % department.pk)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "still_in_use"
    assert "allocation rule 新客分配" in body["detail"]
    assert "public pool 一部公海" in body["detail"]
    force_session(client, admin_a)
    page = client.post(
        "/accounts/departments/%d/delete/" % department.pk,
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "新客分配" in page.content.decode()
    with tenant_context(tenant_a):
        assert Department.objects.filter(pk=department.pk).exists()


def test_a_department_chosen_by_a_role_is_not_silently_dropped(api, tenant_a, admin_a):
    with tenant_context(tenant_a):
        department = department_create(actor=admin_a, name="二部")
    role = _post(
        api,
        "/api/v1/roles/",
        {
            "key": "auditor",
            "name": "二部审查",
            "data_scope": "custom",
            "codes": [],
            "custom_departments": [department.pk],
        },
    )
    assert role.status_code == 201, role.content
    response = api.delete("/api/v1/departments/%d/" % department.pk)
    assert response.status_code == 400 and "二部审查" in response.json()["detail"]
    with tenant_context(tenant_a):
        assert Role.objects.get(key="auditor").custom_departments.count() == 1


def test_an_unused_department_is_deleted(api, tenant_a, admin_a):
    with tenant_context(tenant_a):
        department = department_create(actor=admin_a, name="空部门")
    assert api.delete("/api/v1/departments/%d/" % department.pk).status_code == 204
    with tenant_context(tenant_a):
        assert not Department.objects.filter(pk=department.pk).exists()


HUGE = 10**20


@pytest.mark.parametrize(
    ("url", "method", "body", "field"),
    [
        ("/api/v1/departments/", "post", {"name": "x", "sort": HUGE}, "sort"),
        ("/api/v1/departments/", "post", {"name": "x", "parent": HUGE}, "parent"),
        ("/api/v1/departments/", "post", {"name": "x", "leader": -1}, "leader"),
        ("/api/v1/users/", "post", {**_new_user(), "roles": [HUGE]}, "roles"),
        ("/api/v1/users/", "post", {**_new_user(), "department": HUGE}, "department"),
        ("/api/v1/users/", "post", {**_new_user(), "superior": HUGE}, "superior"),
        (
            "/api/v1/roles/",
            "post",
            {
                "key": "k",
                "name": "n",
                "data_scope": "custom",
                "custom_departments": [HUGE],
            },
            "custom_departments",
        ),
    ],
)
def test_huge_numbers_are_a_400_naming_the_field(api, url, method, body, field):
    response = getattr(api, method)(url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    named = response.json()["fields"]
    assert any(key.split(".")[0] == field for key in named), named


def test_huge_numbers_on_the_department_page_are_a_400(client, admin_a):
    force_session(client, admin_a)
    page = client.post("/accounts/departments/new/", {"name": "x", "sort": HUGE})
    assert page.status_code == 400 and "sort" in page.context["form"].errors
