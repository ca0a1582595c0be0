"""Staff log-in, log-out, password change and session death, through the pages."""

import time

import pytest
from django.test import Client

from lenddesk.accounts.middleware import LAST_SEEN
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session, login
from tests.factories import PASSWORD, make_user


def _login(client, tenant, username, password):
    return client.post(
        "/accounts/login/",
        {"tenant": tenant, "username": username, "password": password},
    )


def test_login_page_is_chinese_by_default(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert page.status_code == 200
    assert "登录" in page.content.decode()


def test_login_then_home_shows_profile_and_plan(client, admin_a, tenant_a):
    login(client, admin_a)
    home = client.get("/")
    html = home.content.decode()
    assert home.status_code == 200
    assert tenant_a.name in html and "管理员" in html
    assert 'data-testid="plan-card"' in html
    assert 'data-testid="seat-usage"' in html


def test_salesperson_home_has_no_plan_card(client, salesperson_a):
    login(client, salesperson_a)
    html = client.get("/").content.decode()
    assert 'data-testid="workbench-mine"' in html
    assert 'data-testid="plan-card"' not in html


def test_wrong_password_unknown_user_and_unknown_firm_look_the_same(
    client, admin_a, tenant_a
):
    answers = [
        _login(client, tenant_a.slug, "admin", "wrong-password"),
        _login(client, tenant_a.slug, "nobody", "wrong-password"),
        _login(client, "no-such-firm", "admin", "wrong-password"),
    ]
    assert {a.status_code for a in answers} == {400}
    errors = {tuple(a.context["form"].non_field_errors()) for a in answers}
    assert len(errors) == 1
    with tenant_context(tenant_a):
        refused = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
        assert refused.count() == 2
        assert all(e.result == "refused" for e in refused)


def test_login_form_names_missing_fields(client, db):
    response = client.post(
        "/accounts/login/", {"tenant": "", "username": "", "password": ""}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"tenant", "username", "password"}


def test_login_is_audited_and_next_is_kept_safe(client, admin_a, tenant_a):
    response = client.post(
        "/accounts/login/",
        {
            "tenant": tenant_a.slug,
            "username": "admin",
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"
    with tenant_context(tenant_a):
        assert (
            AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=admin_a).count()
            == 1
        )


def test_pages_need_login(client, db):
    response = client.get("/accounts/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_logout_needs_post_and_ends_the_session(client, admin_a):
    login(client, admin_a)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_policy_errors_name_the_field(client, admin_a):
    login(client, admin_a)
    cases = [
        (
            {
                "old_password": "wrong",
                "new_password": "Better#Pass9",
                "new_password_again": "Better#Pass9",
            },
            "old_password",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password": "alllowercase",
                "new_password_again": "alllowercase",
            },
            "new_password",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password": "Ab1!",
                "new_password_again": "Ab1!",
            },
            "new_password",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password": "Better#Pass9",
                "new_password_again": "Other#Pass9",
            },
            "new_password_again",
        ),
    ]
    for data, field in cases:
        response = client.post("/accounts/password/", data)
        assert response.status_code == 400
        assert field in response.context["form"].errors, (
            data,
            response.context["form"].errors,
        )


def test_password_change_ends_other_sessions_but_not_this_one(client, admin_a):
    other = Client()
    login(other, admin_a)
    login(client, admin_a)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "Better#Pass9",
            "new_password_again": "Better#Pass9",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert login(Client(), admin_a, password="Better#Pass9")


def test_disabled_user_session_dies_at_once(client, tenant_a, admin_a):
    worker = make_user(tenant_a, "worker")
    staff = Client()
    login(staff, worker)
    assert staff.get("/").status_code == 200
    login(client, admin_a)
    response = client.post(
        "/accounts/staff/%d/departure/" % worker.pk,
        {"status": "disabled", "kind": "pool"},
    )
    assert response.status_code == 302
    assert staff.get("/").status_code == 302
    refused = _login(Client(), tenant_a.slug, "worker", PASSWORD)
    assert refused.status_code == 400


def test_idle_session_times_out(client, admin_a, tenant_a):
    login(client, admin_a)
    session = client.session
    session[LAST_SEEN] = time.time() - (tenant_a.idle_timeout_minutes * 60 + 5)
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(action=AuditAction.SESSION_ENDED).exists()


def test_language_switch_to_english_and_back(client, admin_a):
    login(client, admin_a)
    assert "退出" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "退出" in client.get("/").content.decode()


def test_session_of_one_firm_cannot_read_another_firms_user(client, admin_a, tenant_b):
    other = make_user(tenant_b, "b-staff")
    force_session(client, admin_a)
    assert client.get("/accounts/staff/%d/" % other.pk).status_code == 404


@pytest.mark.parametrize("path", ["/accounts/staff/", "/accounts/staff/new/"])
def test_salesperson_cannot_manage_staff(client, salesperson_a, path):
    login(client, salesperson_a)
    assert client.get(path).status_code == 403


def test_staff_page_lists_only_own_firm(client, admin_a, tenant_b):
    make_user(tenant_b, "stranger")
    login(client, admin_a)
    html = client.get("/accounts/staff/").content.decode()
    assert "stranger" not in html and "admin" in html


def test_error_pages_share_the_look(client, salesperson_a):
    not_found = client.get("/no-such-page/")
    assert not_found.status_code == 404
    assert "LendDesk" in not_found.content.decode()
    assert 'data-testid="error-detail"' in not_found.content.decode()
    login(client, salesperson_a)
    forbidden = client.get("/accounts/staff/")
    assert forbidden.status_code == 403
    assert 'data-testid="error-detail"' in forbidden.content.decode()


def test_server_error_page_hides_details(client, db):
    from lenddesk import urls
    from lenddesk.web.views import error_500

    assert urls.handler500 == "lenddesk.web.views.error_500"

    request = client.get("/healthz").wsgi_request
    response = error_500(request)
    assert response.status_code == 500
    assert b"Traceback" not in response.content
