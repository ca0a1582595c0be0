"""Operators log in with a password and an authenticator code; every log-in and
refusal is in the platform audit trail; failures are counted per (username, client
address) with a growing pause, so nobody can lock the real operator out from
elsewhere (issue 13, findings 5 and 13)."""

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from lenddesk.platform.operator_login import LoginEvent
from lenddesk.tenancy.models import PlatformOperator, TenantEvent
from tests.factories import PASSWORD, make_operator
from tests.operators import enrol, log_in_operator, operator_code

HOME = "10.1.1.1"
STRANGER = "10.9.9.9"


def _password(client, username, password, ip=HOME):
    return client.post(
        "/platform/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def _errors(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def _events(action):
    return TenantEvent.objects.filter(tenant__isnull=True, action=action)


@pytest.fixture
def enrolled(db):
    return enrol(make_operator("ops"))


def test_the_password_alone_does_not_open_the_console(client, enrolled):
    response = _password(client, "ops", PASSWORD)
    assert response["Location"] == "/platform/login/otp/"
    assert client.get("/platform/")["Location"] == "/platform/login/"
    wrong = client.post("/platform/login/otp/", {"code": "000000"}, REMOTE_ADDR=HOME)
    assert wrong.status_code == 400
    assert "code" in wrong.context["form"].errors
    code = operator_code(enrolled)
    done = client.post("/platform/login/otp/", {"code": code}, REMOTE_ADDR=HOME)
    assert done["Location"] == "/platform/"
    assert client.get("/platform/").status_code == 200
    login = _events(LoginEvent.SUCCEEDED).get()
    assert (login.operator, login.ip) == (enrolled, HOME)
    refused = _events(LoginEvent.REFUSED).get()
    assert refused.changes == {"username": "ops", "reason": "wrong second factor"}


def test_a_code_works_once(enrolled):
    first, second = Client(), Client()
    assert _password(first, "ops", PASSWORD).status_code == 302
    assert _password(second, "ops", PASSWORD).status_code == 302
    code = operator_code(enrolled)
    assert first.post("/platform/login/otp/", {"code": code}).status_code == 302
    replay = second.post("/platform/login/otp/", {"code": code})
    assert replay.status_code == 400
    assert second.get("/platform/")["Location"] == "/platform/login/"


def test_first_log_in_enrols_an_authenticator(client, db):
    operator = make_operator("newop")
    response = _password(client, "newop", PASSWORD)
    assert response["Location"] == "/platform/login/otp/setup/"
    page = client.get("/platform/login/otp/setup/")
    assert 'data-testid="totp-qr"' in page.content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.content.decode())
    assert secret
    assert client.get("/platform/").status_code == 302
    code = operator_code(operator)
    done = client.post("/platform/login/otp/setup/", {"code": code})
    assert done["Location"] == "/platform/"
    operator.refresh_from_db()
    assert operator.totp_confirmed
    assert b"newop" not in bytes(operator.totp_cipher)  # sealed, not plain
    assert _events(LoginEvent.TOTP_ENROLLED).filter(operator=operator).exists()
    assert _events(LoginEvent.SUCCEEDED).filter(operator=operator).exists()


def test_an_enrolled_operator_cannot_enrol_again(client, enrolled):
    key_before = bytes(enrolled.totp_cipher)
    _password(client, "ops", PASSWORD)
    assert (
        client.get("/platform/login/otp/setup/")["Location"] == "/platform/login/otp/"
    )
    posted = client.post("/platform/login/otp/setup/", {"code": "123456"})
    assert posted["Location"] == "/platform/login/otp/"
    enrolled.refresh_from_db()
    assert bytes(enrolled.totp_cipher) == key_before


def test_refusals_are_audited_without_a_firm(client, enrolled):
    assert _password(client, "ops", "wrong").status_code == 400
    assert _password(client, "ghost", "wrong").status_code == 400
    rows = _events(LoginEvent.REFUSED).order_by("id")
    assert [(r.changes["username"], r.changes["reason"], r.ip) for r in rows] == [
        ("ops", "bad credentials", HOME),
        ("ghost", "bad credentials", HOME),
    ]
    assert rows[0].operator == enrolled and rows[1].operator is None


def test_a_stranger_cannot_lock_the_operator_out(enrolled):
    stranger = Client()
    for _ in range(5):
        assert _password(stranger, "ops", "guess", STRANGER).status_code == 400
    blocked = _password(stranger, "ops", PASSWORD, STRANGER)
    assert blocked.status_code == 429
    assert re.search(r"请 \d+ 秒后重试", _errors(blocked))
    log_in_operator(Client(), enrolled, REMOTE_ADDR=HOME)  # from the real address
    assert (
        _events(LoginEvent.REFUSED).filter(changes__reason="too many attempts").exists()
    )


def test_the_pause_grows_and_ends(enrolled):
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            _password(client, "ops", "guess", STRANGER)
        first = _password(client, "ops", "guess", STRANGER)
        assert "请 60 秒后重试" in _errors(first)
        clock.move_to(start + dt.timedelta(seconds=61))
        for _ in range(5):
            assert _password(client, "ops", "guess", STRANGER).status_code == 400
        second = _password(client, "ops", PASSWORD, STRANGER)
        assert "请 120 秒后重试" in _errors(second)
        clock.move_to(start + dt.timedelta(seconds=61 + 121))
        assert _password(client, "ops", PASSWORD, STRANGER).status_code == 302


def test_the_same_limit_applies_to_unknown_usernames(db):
    client = Client()
    answers = [_password(client, "ghost", "guess").status_code for _ in range(6)]
    assert answers == [400] * 5 + [429]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_are_all_counted():
    operator = enrol(make_operator("ops"))
    barrier = threading.Barrier(16)
    statuses = []
    lock = threading.Lock()

    def guess():
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            status = _password(Client(), "ops", "guess", STRANGER).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [400] * 5 + [429] * 11
    assert _password(Client(), "ops", PASSWORD, STRANGER).status_code == 429
    assert PlatformOperator.objects.get(pk=operator.pk).last_login is None
    log_in_operator(Client(), operator, REMOTE_ADDR=HOME)
