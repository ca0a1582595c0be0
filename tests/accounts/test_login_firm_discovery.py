"""A firm code that names no firm answers like a real firm's wrong password: the same
hash work (time), the same messages and, after the same number of failures, the same
"locked" answer — on the web log-in and the token endpoint (issue 13, finding 14).
And an enrolled user cannot reach the enrolment page from a pending log-in
(finding 12)."""

import statistics
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from lenddesk.accounts import mfa
from lenddesk.accounts.models import Role, TotpDevice, User
from lenddesk.tenancy.context import tenant_context
from tests.factories import PASSWORD

UNKNOWN = "no-such-firm"
LOCKED = "锁定"  # "locked", in the default language


def _web(firm, username, password):
    response = Client().post(
        "/accounts/login/",
        {"tenant": firm, "username": username, "password": password},
    )
    errors = response.context["form"].non_field_errors()
    return response.status_code, " ".join(errors)


def _api(firm, username, password):
    response = Client().post(
        "/api/v1/auth/token",
        {"tenant": firm, "username": username, "password": password},
        content_type="application/json",
    )
    body = response.json()
    return response.status_code, body["error"], body["detail"]


@pytest.mark.parametrize("answer", [_web, _api], ids=["web", "api"])
def test_unknown_and_known_firms_answer_alike_through_the_lockout(tenant_a, answer):
    known = [answer(tenant_a.slug, "admin", "wrong") for _ in range(7)]
    unknown = [answer(UNKNOWN, "admin", "wrong") for _ in range(7)]
    assert unknown == known
    assert known[0] != known[-1]  # the lockout was reached
    assert any(LOCKED in str(part) for part in known[-1])


def test_the_unknown_firm_count_is_per_firm_code_and_username(tenant_a):
    for _ in range(6):
        _web(UNKNOWN, "admin", "wrong")
    assert LOCKED in _web(UNKNOWN, "admin", "wrong")[1]
    assert LOCKED not in _web(UNKNOWN, "someone-else", "wrong")[1]
    assert LOCKED not in _web("other-code", "admin", "wrong")[1]


def _median_seconds(call, tries):
    timings = []
    for _ in range(tries):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def test_an_unknown_firm_costs_the_same_hash_work(tenant_a, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    with tenant_context(tenant_a):
        User.objects.filter(username="admin").update(password=make_password(PASSWORD))
    make_password("warm-up")
    names = iter(range(100))
    known = _median_seconds(lambda: _web(tenant_a.slug, "admin", "wrong"), 4)
    unknown = _median_seconds(lambda: _web(UNKNOWN, "u%d" % next(names), "x"), 4)
    assert known / 3 < unknown < known * 3, (known, unknown)


def _require_totp(tenant):
    with tenant_context(tenant):
        Role.objects.filter(key="admin").update(require_totp=True)


def test_an_enrolled_user_is_sent_to_the_code_page_not_enrolment(tenant_a, admin_a):
    _require_totp(tenant_a)
    with tenant_context(tenant_a):
        mfa.totp_begin(user=admin_a)
        TotpDevice.objects.filter(user=admin_a).update(confirmed=True)
        secret = TotpDevice.objects.get(user=admin_a).key_cipher
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"tenant": tenant_a.slug, "username": "admin", "password": PASSWORD},
    )
    assert response["Location"] == "/accounts/login/otp/"
    page = client.get("/accounts/login/otp/setup/")
    assert (page.status_code, page["Location"]) == (302, "/accounts/login/otp/")
    posted = client.post("/accounts/login/otp/setup/", {"code": "123456"})
    assert (posted.status_code, posted["Location"]) == (302, "/accounts/login/otp/")
    assert client.get("/").status_code == 302  # still not logged in
    with tenant_context(tenant_a):
        devices = list(TotpDevice.objects.filter(user=admin_a))
    assert [(d.confirmed, bytes(d.key_cipher)) for d in devices] == [
        (True, bytes(secret))
    ]
