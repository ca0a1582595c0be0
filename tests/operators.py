"""Operators' two-step log-in for tests: an enrolled authenticator and its codes."""

import time

from django_otp.oath import TOTP

from lenddesk.platform import operator_login
from lenddesk.tenancy.models import PlatformOperator
from tests.factories import PASSWORD


def operator_code(operator: PlatformOperator, offset_steps: int = 0) -> str:
    operator.refresh_from_db()
    totp = TOTP(operator_login.totp_key(operator))
    totp.time = time.time() + 30 * offset_steps
    return "%06d" % totp.token()


def enrol(operator: PlatformOperator) -> PlatformOperator:
    """An operator whose authenticator is set up (a code one step back was used)."""
    operator_login.operator_totp_begin(operator=operator)
    operator.refresh_from_db()
    PlatformOperator.objects.filter(pk=operator.pk).update(totp_confirmed=True)
    operator.refresh_from_db()
    return operator


def log_in_operator(client, operator: PlatformOperator, **extra):
    """Password, then the current code, through the real pages."""
    if not operator_login.has_totp(operator):
        enrol(operator)
    first = client.post(
        "/platform/login/",
        {"username": operator.username, "password": PASSWORD},
        **extra,
    )
    assert first.status_code == 302, first.content.decode()[:2000]
    assert first["Location"] == "/platform/login/otp/"
    second = client.post(
        "/platform/login/otp/", {"code": operator_code(operator)}, **extra
    )
    assert second.status_code == 302, second.content.decode()[:2000]
    return second
