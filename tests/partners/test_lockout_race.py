"""A burst of parallel wrong passwords gets no more tries than the firm's limit."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from lenddesk.partners.services import partner_authenticate
from lenddesk.tenancy.context import tenant_context
from tests.partners.conftest import make_partner


def _attempt(tenant, phone: str) -> str:
    """One log-in as the portal makes it: the refusal is answered, not rolled back
    (its counts and audit rows stay)."""
    with tenant_context(tenant):
        try:
            partner_authenticate(phone=phone, password="wrong", ip="10.0.0.9")
        except ValidationError as exc:
            return exc.code
    return "ok"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_parallel_guesses_check_the_password_five_times(tenant_a, admin_a):
    phone = "13712340000"
    make_partner(tenant_a, actor=admin_a, phone=phone)
    barrier = threading.Barrier(16)
    codes: list[str] = []
    lock = threading.Lock()

    def guess() -> None:
        try:
            barrier.wait()
            code = _attempt(tenant_a, phone)
            with lock:
                codes.append(code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == 16
    assert codes.count("invalid_login") <= tenant_a.lockout_failures - 1
    assert _attempt(tenant_a, phone) != "invalid_login"  # locked now
