"""Seats, modules and expiry are enforced for the firm's staff."""

import datetime as dt

import pytest
from django.utils import timezone

from lenddesk.accounts.models import User, UserStatus
from lenddesk.accounts.services import user_activate
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from tests.conftest import force_session, login
from tests.factories import make_tenant, make_user


@pytest.fixture
def small_firm(db):
    return make_tenant(slug="small", seats=2, modules=["finance"])


def test_activating_beyond_seats_fails_with_a_clear_message(client, small_firm):
    make_user(small_firm, "second")  # admin + second = 2 of 2
    spare = make_user(small_firm, "third", active=False)
    with tenant_context(small_firm):
        admin = User.objects.get(username="admin")
    force_session(client, admin)
    response = client.post(
        "/accounts/staff/%d/status/" % spare.pk, {"action": "activate"}, follow=True
    )
    html = response.content.decode()
    assert "2" in html and ("席位" in html or "seats" in html)
    with tenant_context(small_firm):
        assert User.objects.get(pk=spare.pk).status == UserStatus.DISABLED
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as info:
            user_activate(actor=admin, user=spare)
        assert info.value.code == "seats_full"


def test_creating_an_active_user_beyond_seats_fails_on_the_form(client, small_firm):
    make_user(small_firm, "second")
    with tenant_context(small_firm):
        admin = User.objects.get(username="admin")
    force_session(client, admin)
    response = client.post(
        "/accounts/staff/new/",
        {
            "username": "third",
            "display_name": "三",
            "password": "Strong#Pass1",
            "active": "on",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    with tenant_context(small_firm):
        assert not User.objects.filter(username="third").exists()


def test_a_module_outside_the_plan_is_hidden_and_refused(client, small_firm):
    with tenant_context(small_firm):
        admin = User.objects.get(username="admin")
    force_session(client, admin)
    home = client.get("/").content.decode()
    assert 'href="/customers/"' not in home
    page = client.get("/customers/")
    assert page.status_code == 403
    assert "客户管理" in page.content.decode()


def test_a_module_outside_the_plan_is_refused_on_the_api(client, small_firm):
    from lenddesk.accounts.services import token_issue

    with tenant_context(small_firm):
        admin = User.objects.get(username="admin")
        _token, raw = token_issue(user=admin)
    response = client.get("/api/v1/customers/", HTTP_AUTHORIZATION="Bearer " + raw)
    assert response.status_code == 403
    assert response.json()["error"] == "module_not_in_plan"
    assert response.json()["detail"]


def test_a_module_in_the_plan_shows_in_the_menu(client, admin_a):
    force_session(client, admin_a)
    assert 'href="/customers/"' in client.get("/").content.decode()
    assert client.get("/customers/").status_code == 200


def test_expired_firm_is_read_only_with_a_renewal_notice(client, tenant_a, admin_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    login(client, admin_a)  # staff can still log in
    home = client.get("/")
    assert home.status_code == 200
    assert 'data-testid="renewal-notice"' in home.content.decode()
    assert client.get("/customers/").status_code == 200
    write = client.post("/customers/new/", {"name": "新客户", "phone": "13912345678"})
    assert write.status_code == 403
    assert "read-only" in write.content.decode() or "只读" in write.content.decode()
    with tenant_context(tenant_a):
        before = User.objects.count()
    client.post(
        "/accounts/staff/new/",
        {"username": "x1", "display_name": "x", "password": "Strong#Pass1"},
    )
    with tenant_context(tenant_a):
        assert User.objects.count() == before
    assert client.post("/accounts/logout/").status_code == 302


def test_expiring_soon_shows_a_warning(client, tenant_a, admin_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(
        expires_on=timezone.localdate() + dt.timedelta(days=5)
    )
    force_session(client, admin_a)
    html = client.get("/").content.decode()
    assert "5" in html and 'role="status"' in html
