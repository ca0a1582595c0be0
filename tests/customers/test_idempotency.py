"""Idempotent API commands (SECURITY T40): the same Idempotency-Key sent twice, and
concurrently, has one effect and the same answer."""

import threading

import pytest
from django.db import connection
from django.test import Client

from lenddesk.accounts.services import token_issue
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.factories import make_user


def _auth(tenant, user) -> dict:
    with tenant_context(tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def _assign(client, auth, customer_id, owner_id, key):
    return client.post(
        "/api/v1/customers/%d/assign/" % customer_id,
        {"owner": owner_id},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **auth,
    )


def _assignments(tenant) -> int:
    with tenant_context(tenant):
        return AuditEvent.objects.filter(action=AuditAction.CUSTOMER_ASSIGNED).count()


def test_a_retry_replays_the_answer_without_a_second_effect(client, tenant_a, admin_a):
    seller = make_user(tenant_a, "s9")
    other = make_user(tenant_a, "s10")
    customer = add_customer(tenant_a, admin_a, name="孙八")
    auth = _auth(tenant_a, admin_a)
    first = _assign(client, auth, customer.pk, seller.pk, "assign-1")
    again = _assign(client, auth, customer.pk, seller.pk, "assign-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _assignments(tenant_a) == 1

    reused = _assign(client, auth, customer.pk, other.pk, "assign-1")
    assert reused.status_code == 422
    assert reused.json()["error"] == "idempotency_key_reused"
    with tenant_context(tenant_a):
        customer.refresh_from_db()
        assert customer.owner_id == seller.pk

    bad = _assign(client, auth, customer.pk, other.pk, "x" * 101)
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["fields"]


def test_a_refused_command_stores_nothing_and_may_be_retried(client, tenant_a, admin_a):
    seller = make_user(tenant_a, "s9")
    customer = add_customer(tenant_a, admin_a, name="周九")
    auth = _auth(tenant_a, admin_a)
    refused = _assign(client, auth, customer.pk, 999999, "k-2")
    assert refused.status_code == 400
    fixed = client.post(
        "/api/v1/customers/%d/assign/" % customer.pk,
        {"owner": 999999},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-2",
        **auth,
    )
    assert fixed.status_code == 400 and "Idempotent-Replayed" not in fixed
    assert _assign(client, auth, customer.pk, seller.pk, "k-3").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_have_one_effect(tenant_a, admin_a):
    seller = make_user(tenant_a, "s9")
    customer = add_customer(tenant_a, admin_a, name="吴十")
    auth = _auth(tenant_a, admin_a)
    twins = 8
    barrier = threading.Barrier(twins)
    answers = []
    lock = threading.Lock()

    def send():
        try:
            barrier.wait(timeout=30)
            response = _assign(Client(), auth, customer.pk, seller.pk, "same-key")
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(twins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == twins
    assert {code for code, _body in answers} == {200}
    assert len({body["id"] for _code, body in answers}) == 1
    assert _assignments(tenant_a) == 1
