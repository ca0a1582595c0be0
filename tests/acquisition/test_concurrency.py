"""Concurrent retries of one delivery on PostgreSQL (SECURITY T46): the unique
(integration, idempotency key) row makes every retry wait for the first and then answer
with its outcome, so exactly one delivery and one customer exist. The commit hands each
new delivery to the worker (eager here: it runs in the request's thread after the
commit, concurrently with the other threads' requests and drains)."""

import json
import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from lenddesk.accounts.models import User
from lenddesk.acquisition.models import Attribution, ConsentRecord, Delivery
from lenddesk.audit.services import verify_chain
from lenddesk.customers.models import Customer, PoolRules
from lenddesk.tenancy.context import tenant_context
from tests.acquisition.conftest import drain, lead, make_integration, signed_headers
from tests.factories import make_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERIES = 100
THREADS = 25  # PostgreSQL here allows 100 connections, shared with other suites


def test_100_concurrent_identical_deliveries_create_exactly_one_lead():
    tenant = make_tenant()
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
    integration, secret = make_integration(tenant, admin, assign_mode="rules")
    body = json.dumps(lead(name="并发")).encode()
    url = "/api/v1/intake/%s/" % integration.key
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def deliver(count: int) -> None:
        close_old_connections()
        client = Client()
        try:
            barrier.wait(timeout=60)
            for _ in range(count):
                headers = signed_headers(secret, body, key="evt-race-1")
                response = client.post(
                    url, data=body, content_type="application/json", **headers
                )
                with lock:
                    statuses.append(response.status_code)
        finally:
            connection.close()

    per_thread = DELIVERIES // THREADS
    threads = [
        threading.Thread(target=deliver, args=(per_thread,)) for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(statuses) == DELIVERIES
    assert Counter(statuses) == {202: 1, 200: DELIVERIES - 1}
    assert drain(tenant) == 0  # the first request's commit already drained it
    with tenant_context(tenant):
        assert Customer.objects.filter(name="并发").count() == 1
        assert Delivery.objects.count() == 1
        assert Attribution.objects.count() == 1
        assert ConsentRecord.objects.count() == 1
        assert verify_chain().ok  # the audit chain stays intact under the race


def test_concurrent_retries_of_different_leads_each_create_one_customer():
    """Different event ids are different deliveries; each is answered exactly once."""
    tenant = make_tenant()
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
    integration, secret = make_integration(tenant, admin, assign_mode="pool")
    url = "/api/v1/intake/%s/" % integration.key
    barrier = threading.Barrier(10)
    statuses: list[int] = []
    lock = threading.Lock()

    def deliver(n: int) -> None:
        close_old_connections()
        client = Client()
        body = json.dumps(lead(name="客户%d" % n)).encode()
        try:
            barrier.wait(timeout=60)
            for _ in range(3):
                headers = signed_headers(secret, body, key="evt-%d" % n)
                response = client.post(
                    url, data=body, content_type="application/json", **headers
                )
                with lock:
                    statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert Counter(statuses) == {202: 10, 200: 20}
    assert drain(tenant) == 0
    with tenant_context(tenant):
        assert Customer.objects.count() == 10
        assert Delivery.objects.filter(status="created").count() == 10
        assert verify_chain().ok


def test_one_person_sent_under_different_keys_at_once_becomes_one_customer():
    """Two deliveries of one phone racing each other: the second waits for the first
    and is linked to it as a duplicate (firm policy "merge")."""
    tenant = make_tenant()
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
        PoolRules.objects.update_or_create(defaults={"duplicate_policy": "merge"})
    integration, secret = make_integration(tenant, admin, assign_mode="pool")
    url = "/api/v1/intake/%s/" % integration.key
    body = json.dumps(lead(name="同一人", phone="13611112222")).encode()
    barrier = threading.Barrier(10)
    statuses: list[int] = []
    lock = threading.Lock()

    def deliver(n: int) -> None:
        close_old_connections()
        client = Client()
        try:
            barrier.wait(timeout=60)
            headers = signed_headers(secret, body, key="other-%d" % n)
            response = client.post(
                url, data=body, content_type="application/json", **headers
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert Counter(statuses) == {202: 10}
    assert drain(tenant) == 0
    with tenant_context(tenant):
        assert Customer.objects.count() == 1
        assert Delivery.objects.filter(status="duplicate").count() == 9
