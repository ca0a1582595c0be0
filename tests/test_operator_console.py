"""Operators run the platform from their own console and never act as firm staff."""

import datetime as dt

import pytest
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant, TenantEvent
from tests.conftest import force_session
from tests.factories import PASSWORD, make_user
from tests.operators import log_in_operator


@pytest.fixture
def op_client(client, operator):
    log_in_operator(client, operator)
    return client


def _new_firm(**overrides):
    data = {
        "name": "丙公司",
        "slug": "firm-c",
        "seats": "3",
        "modules": ["customers", "finance"],
        "expires_on": "",
        "admin_username": "boss",
        "admin_display_name": "老板",
        "admin_password": "Strong#Pass1",
    }
    data.update(overrides)
    return data


def test_console_needs_an_operator_login(client, admin_a):
    force_session(client, admin_a)  # a firm admin is not an operator
    response = client.get("/platform/")
    assert response.status_code == 302
    assert response["Location"] == "/platform/login/"


def test_operator_login_refuses_bad_password_with_one_message(client, operator):
    bad = client.post(
        "/platform/login/", {"username": operator.username, "password": "nope"}
    )
    unknown = client.post("/platform/login/", {"username": "ghost", "password": "nope"})
    assert bad.status_code == unknown.status_code == 400
    assert (
        bad.context["form"].non_field_errors()
        == unknown.context["form"].non_field_errors()
    )


def test_operator_creates_a_firm_whose_admin_can_log_in(op_client, client):
    response = op_client.post("/platform/tenants/new/", _new_firm())
    assert response.status_code == 302
    tenant = Tenant.objects.get(slug="firm-c")
    assert tenant.modules == ["customers", "finance"] and tenant.seats == 3
    assert TenantEvent.objects.filter(tenant=tenant, action="provisioned").exists()
    listing = op_client.get("/platform/")
    assert "丙公司" in listing.content.decode()
    op_client.post("/platform/logout/")
    login = op_client.post(
        "/accounts/login/",
        {"tenant": "firm-c", "username": "boss", "password": "Strong#Pass1"},
    )
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "Bad Slug!", ""),
        ("seats", "0", ""),
        ("admin_password", "short", ""),
        ("name", "", ""),
        ("modules", ["nonsense"], ""),
        ("expires_on", "2026-13-40", ""),
    ],
)
def test_bad_firm_input_names_the_field(op_client, field, value, message):
    response = op_client.post("/platform/tenants/new/", _new_firm(**{field: value}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Tenant.objects.filter(slug="firm-c").exists()


def test_duplicate_slug_is_refused_on_the_slug_field(op_client, tenant_a):
    response = op_client.post("/platform/tenants/new/", _new_firm(slug=tenant_a.slug))
    assert response.status_code == 400
    assert "slug" in response.context["form"].errors


def test_seats_cannot_drop_below_active_staff(op_client, tenant_a):
    make_user(tenant_a, "s2")
    response = op_client.post(
        "/platform/tenants/%d/" % tenant_a.pk,
        {
            "name": tenant_a.name,
            "seats": "1",
            "modules": ["customers"],
            "expires_on": "",
        },
    )
    assert response.status_code == 400
    assert "2" in " ".join(response.context["form"].errors["seats"])
    tenant_a.refresh_from_db()
    assert tenant_a.seats == 20


def test_operator_changes_plan_and_it_is_recorded(op_client, tenant_a):
    expiry = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = op_client.post(
        "/platform/tenants/%d/" % tenant_a.pk,
        {
            "name": "甲公司（新）",
            "seats": "5",
            "modules": ["customers"],
            "expires_on": expiry,
        },
    )
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert (tenant_a.name, tenant_a.seats, tenant_a.modules) == (
        "甲公司（新）",
        5,
        ["customers"],
    )
    event = TenantEvent.objects.get(tenant=tenant_a, action="plan_changed")
    assert event.changes["seats"] == [20, 5]


def test_suspended_firm_cannot_log_in_and_sessions_end(op_client, tenant_a, admin_a):
    from django.test import Client

    staff = Client()
    force_session(staff, admin_a)
    assert staff.get("/").status_code == 200
    op_client.post(
        "/platform/tenants/%d/status/" % tenant_a.pk, {"status": "suspended"}
    )
    tenant_a.refresh_from_db()
    assert tenant_a.is_suspended
    assert staff.get("/").status_code == 302
    refused = Client().post(
        "/accounts/login/",
        {"tenant": tenant_a.slug, "username": "admin", "password": PASSWORD},
    )
    assert refused.status_code == 403
    assert "suspended" in refused.content.decode() or "暂停" in refused.content.decode()
    token = Client().post(
        "/api/v1/auth/token",
        {"tenant": tenant_a.slug, "username": "admin", "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 403
    assert token.json()["error"] == "tenant_suspended"


def test_user_count_per_firm_is_shown(op_client, tenant_a):
    make_user(tenant_a, "s3")
    with tenant_context(tenant_a):
        active = User.objects.filter(status="active").count()
    page = op_client.get("/platform/").content.decode()
    assert "%d / 20" % active in page
