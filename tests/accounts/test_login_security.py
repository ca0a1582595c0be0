"""Log-in security (SECURITY T14–T23): lockout, no enumeration, hours, networks,
clients, two-factor, password rotation and history."""

import datetime as dt
import statistics
import time as clock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP

from lenddesk.accounts import mfa
from lenddesk.accounts.models import Role, TotpDevice, User
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from tests.factories import PASSWORD, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _post_login(client, tenant, username, password, **extra):
    return client.post(
        "/accounts/login/",
        {"tenant": tenant.slug, "username": username, "password": password},
        **extra,
    )


def _token(client, tenant, username, password=PASSWORD, **body):
    return client.post(
        "/api/v1/auth/token",
        {"tenant": tenant.slug, "username": username, "password": password, **body},
        content_type="application/json",
    )


def _set_role(tenant, key, **fields):
    with tenant_context(tenant):
        Role.objects.filter(key=key).update(**fields)


def test_five_failures_lock_for_thirty_minutes(tenant_a, salesperson_a):
    start = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert _post_login(Client(), tenant_a, "sales1", "wrong").status_code == 400
        locked = _post_login(Client(), tenant_a, "sales1", PASSWORD)
        assert locked.status_code == 400
        assert "锁定" in locked.content.decode()  # the time is not told: see authflow
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert _post_login(Client(), tenant_a, "sales1", PASSWORD).status_code == 400
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert _post_login(Client(), tenant_a, "sales1", PASSWORD).status_code == 302
    with tenant_context(tenant_a):
        reasons = list(
            AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).values_list(
                "reason", flat=True
            )
        )
    assert any(r.startswith("locked out") for r in reasons)


def test_lockout_looks_the_same_for_an_unknown_user(tenant_a, salesperson_a):
    answers = {}
    for username in ("sales1", "nobody-here"):
        for _ in range(5):
            _post_login(Client(), tenant_a, username, "wrong")
        answers[username] = _post_login(Client(), tenant_a, username, "wrong")
    real, ghost = answers["sales1"], answers["nobody-here"]
    assert real.status_code == ghost.status_code
    assert (
        real.context["form"].non_field_errors()
        == ghost.context["form"].non_field_errors()
    )


def test_api_token_endpoint_shares_the_lockout(tenant_a, salesperson_a):
    for _ in range(5):
        _token(Client(), tenant_a, "sales1", "wrong")
    response = _token(Client(), tenant_a, "sales1")
    assert response.status_code == 401
    assert response.json()["error"] == "locked"
    assert _post_login(Client(), tenant_a, "sales1", PASSWORD).status_code == 400


def test_lockout_counts_per_firm(tenant_a, tenant_b, salesperson_a):
    make_user(tenant_b, "sales1")
    for _ in range(5):
        _post_login(Client(), tenant_a, "sales1", "wrong")
    assert _post_login(Client(), tenant_b, "sales1", PASSWORD).status_code == 302


def test_unknown_user_costs_about_as_long_as_a_wrong_password(
    tenant_a, salesperson_a, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.AXES_ENABLED = False
    with tenant_context(tenant_a):
        user = User.objects.get(username="sales1")
        user.set_password(PASSWORD)
        user.save()

    def timed(username):
        started = clock.perf_counter()
        _post_login(Client(), tenant_a, username, "wrong-password")
        return clock.perf_counter() - started

    real_runs, ghost_runs = [], []
    for _ in range(7):  # interleaved, so machine load affects both alike
        real_runs.append(timed("sales1"))
        ghost_runs.append(timed("ghost"))
    real, ghost = statistics.median(real_runs), statistics.median(ghost_runs)
    assert abs(real - ghost) < max(0.3 * real, 0.05)


def test_role_hours_refuse_login_at_night_with_a_clear_message(tenant_a, salesperson_a):
    _set_role(tenant_a, "salesperson", login_start=dt.time(9), login_end=dt.time(18))
    with time_machine.travel(dt.datetime(2026, 11, 30, 20, 0, tzinfo=SHANGHAI)):
        refused = _post_login(Client(), tenant_a, "sales1", PASSWORD)
        assert refused.status_code == 403
        assert "09:00–18:00" in refused.content.decode()
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)):
        assert _post_login(Client(), tenant_a, "sales1", PASSWORD).status_code == 302
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(
            reason__startswith="outside_login_hours"
        ).exists()


def test_session_opened_before_closing_time_ends_after_it(tenant_a, salesperson_a):
    _set_role(tenant_a, "salesperson", login_start=dt.time(8), login_end=dt.time(20))
    client = Client()
    with time_machine.travel(dt.datetime(2026, 11, 30, 19, 59, tzinfo=SHANGHAI)):
        assert _post_login(client, tenant_a, "sales1", PASSWORD).status_code == 302
        assert client.get("/").status_code == 200
    with time_machine.travel(dt.datetime(2026, 11, 30, 20, 1, tzinfo=SHANGHAI)):
        assert client.get("/").status_code == 302
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(
            action=AuditAction.SESSION_ENDED, reason="outside_login_hours"
        ).exists()


def test_api_token_outside_hours_is_401(tenant_a, salesperson_a):
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)):
        raw = _token(Client(), tenant_a, "sales1").json()["token"]
    _set_role(tenant_a, "salesperson", login_start=dt.time(9), login_end=dt.time(18))
    with time_machine.travel(dt.datetime(2026, 11, 30, 20, 1, tzinfo=SHANGHAI)):
        response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer " + raw)
    assert response.status_code == 401
    assert response.json()["error"] == "outside_login_hours"


def test_weekdays_rule(tenant_a, salesperson_a):
    _set_role(tenant_a, "salesperson", login_weekdays=[0, 1, 2, 3, 4])
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(saturday):
        assert _post_login(Client(), tenant_a, "sales1", PASSWORD).status_code == 403


def test_ip_ranges(tenant_a, salesperson_a, settings):
    settings.NUM_PROXIES = 1
    _set_role(tenant_a, "salesperson", allowed_networks="10.0.0.0/8")
    outside = _post_login(
        Client(), tenant_a, "sales1", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert outside.status_code == 403
    inside = _post_login(
        Client(), tenant_a, "sales1", PASSWORD, HTTP_X_FORWARDED_FOR="10.1.2.3"
    )
    assert inside.status_code == 302


def test_spoofed_forwarded_for_is_not_trusted(tenant_a, salesperson_a, settings):
    settings.NUM_PROXIES = 1
    _set_role(tenant_a, "salesperson", allowed_networks="10.0.0.0/8")
    spoofed = _post_login(
        Client(),
        tenant_a,
        "sales1",
        PASSWORD,
        HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5",
    )
    assert spoofed.status_code == 403


def test_client_types_are_decided_by_credential(tenant_a, salesperson_a, settings):
    settings.MOBILE_APP_KEY = "app-secret-123"
    _set_role(tenant_a, "salesperson", allowed_clients=["mobile"])
    assert _post_login(Client(), tenant_a, "sales1", PASSWORD).status_code == 403
    plain = _token(Client(), tenant_a, "sales1", HTTP_USER_AGENT="LendDesk-App/1.0")
    assert plain.status_code == 403
    assert plain.json()["error"] == "client_not_allowed"
    app = Client().post(
        "/api/v1/auth/token",
        {"tenant": tenant_a.slug, "username": "sales1", "password": PASSWORD},
        content_type="application/json",
        HTTP_X_LENDDESK_APP_KEY="app-secret-123",
    )
    assert app.status_code == 200


def _code_for(tenant, username, offset_steps=0):
    with tenant_context(tenant):
        device = TotpDevice.objects.get(user__username=username)
        totp = TOTP(mfa._key(device))
        totp.time = clock.time() + 30 * offset_steps
        return "%06d" % totp.token()


def test_totp_enrolment_then_verification(tenant_a, salesperson_a):
    _set_role(tenant_a, "salesperson", require_totp=True)
    client = Client()
    response = _post_login(client, tenant_a, "sales1", PASSWORD)
    assert response["Location"] == "/accounts/login/otp/setup/"
    page = client.get("/accounts/login/otp/setup/")
    assert 'data-testid="totp-qr"' in page.content.decode()
    assert client.get("/").status_code == 302  # not logged in yet
    done = client.post(
        "/accounts/login/otp/setup/", {"code": _code_for(tenant_a, "sales1")}
    )
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert client.get("/").status_code == 200

    again = Client()
    assert (
        _post_login(again, tenant_a, "sales1", PASSWORD)["Location"]
        == "/accounts/login/otp/"
    )
    assert again.post("/accounts/login/otp/", {"code": "000000"}).status_code == 400
    with tenant_context(tenant_a):
        TotpDevice.objects.update(throttled_until=None)
    assert again.post("/accounts/login/otp/", {"code": codes[0]}).status_code == 302
    assert again.get("/").status_code == 200


def test_totp_code_cannot_be_used_twice(tenant_a, salesperson_a):
    _set_role(tenant_a, "salesperson", require_totp=True)
    with tenant_context(tenant_a):
        user = User.objects.get(username="sales1")
        mfa.totp_begin(user=user)
        assert mfa.totp_confirm(user=user, code=_code_for(tenant_a, "sales1", -1))
        code = _code_for(tenant_a, "sales1")
        assert mfa.second_factor_verify(user=user, code=code) is True
        TotpDevice.objects.update(throttled_until=None)
        assert mfa.second_factor_verify(user=user, code=code) is False


def test_totp_failures_slow_down(tenant_a, salesperson_a):
    with tenant_context(tenant_a):
        user = User.objects.get(username="sales1")
        mfa.totp_begin(user=user)
        mfa.totp_confirm(user=user, code=_code_for(tenant_a, "sales1"))
        delays = []
        for _ in range(4):
            TotpDevice.objects.update(throttled_until=None)
            mfa.second_factor_verify(user=user, code="123456")
            delays.append(mfa.throttle_seconds(TotpDevice.objects.get(user=user)))
    assert delays == sorted(delays) and delays[-1] > delays[0]


def test_api_requires_the_second_factor_too(tenant_a, salesperson_a):
    _set_role(tenant_a, "salesperson", require_totp=True)
    assert (
        _token(Client(), tenant_a, "sales1").json()["error"]
        == "totp_enrolment_required"
    )
    with tenant_context(tenant_a):
        user = User.objects.get(username="sales1")
        mfa.totp_begin(user=user)
        mfa.totp_confirm(user=user, code=_code_for(tenant_a, "sales1", -1))
    assert _token(Client(), tenant_a, "sales1").json()["error"] == "otp_required"
    ok = _token(Client(), tenant_a, "sales1", otp=_code_for(tenant_a, "sales1"))
    assert ok.status_code == 200


def test_expired_password_must_be_changed_first(tenant_a, salesperson_a):
    with tenant_context(tenant_a):
        User.objects.filter(username="sales1").update(
            password_changed_at=dt.datetime(2020, 1, 1, tzinfo=SHANGHAI)
        )
    client = Client()
    _post_login(client, tenant_a, "sales1", PASSWORD)
    assert client.get("/")["Location"] == "/accounts/password/"
    client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "Fresh#Pass2026",
            "new_password_again": "Fresh#Pass2026",
        },
    )
    assert client.get("/").status_code == 200


def test_last_five_passwords_cannot_be_reused(tenant_a, salesperson_a):
    client = Client()
    _post_login(client, tenant_a, "sales1", PASSWORD)
    current = PASSWORD
    for n in range(3):
        new = "Rotate#%d-2026" % n
        response = client.post(
            "/accounts/password/",
            {"old_password": current, "new_password": new, "new_password_again": new},
        )
        assert response.status_code == 302
        current = new
    reuse = client.post(
        "/accounts/password/",
        {
            "old_password": current,
            "new_password": PASSWORD,
            "new_password_again": PASSWORD,
        },
    )
    assert reuse.status_code == 400
    assert "new_password" in reuse.context["form"].errors


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Ab1!xyz", False),  # 7 characters
        ("abcdefgh1", False),  # 2 classes
        ("Harbour2026x", True),  # 3 classes
        ("Password1!", False),  # common
        ("Aa1!" * 16, True),  # 64 characters
        ("Aa1!" * 50, False),  # 200 characters: too long, never truncated
        ("密码Ab1!安全好用", True),  # Unicode
    ],
)
def test_password_policy(tenant_a, password, ok):
    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError

    try:
        password_validation.validate_password(password)
        valid = True
    except ValidationError:
        valid = False
    assert valid is ok


def test_firm_security_settings_apply(client, tenant_a, admin_a, salesperson_a):
    from tests.conftest import force_session

    force_session(client, admin_a)
    response = client.post(
        "/accounts/security/",
        {
            "idle_timeout_minutes": "20",
            "lockout_failures": "3",
            "lockout_minutes": "10",
            "password_max_age_days": "0",
            "password_history": "3",
            "time_zone": "Asia/Shanghai",
        },
    )
    assert response.status_code == 302
    tenant = Tenant.objects.get(pk=tenant_a.pk)
    assert (tenant.lockout_failures, tenant.idle_timeout_minutes) == (3, 20)
    for _ in range(3):
        _post_login(Client(), tenant_a, "sales1", "wrong")
    assert _post_login(Client(), tenant_a, "sales1", PASSWORD).status_code == 400
    bad = client.post("/accounts/security/", {"idle_timeout_minutes": "1"})
    assert bad.status_code == 400
    assert "idle_timeout_minutes" in bad.context["form"].errors
