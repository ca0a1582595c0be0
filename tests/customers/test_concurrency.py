"""Claims under real concurrency on PostgreSQL (SECURITY T38, T39): exactly one winner,
and no daily limit or cap is exceeded."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers import services
from lenddesk.customers.models import Customer, PoolRules
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.factories import make_tenant, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(tenant, jobs):
    """Run each (user_id, customer_id) claim in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes = []
    lock = threading.Lock()

    def claim(user_id, customer_id):
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            with tenant_context(tenant):
                user = User.objects.get(pk=user_id)
                customer = Customer.objects.get(pk=customer_id)
                services.customer_claim(actor=user, customer=customer)
            result = "won"
        except ValidationError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_many_people_claim_one_customer_exactly_one_wins():
    tenant = make_tenant(seats=50)
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
    people = [make_user(tenant, "c%d" % i) for i in range(16)]
    customer = add_customer(tenant, admin)
    outcomes = _race(tenant, [(p.pk, customer.pk) for p in people])
    assert outcomes.count("won") == 1
    assert set(outcomes) == {"won", "already_claimed"}
    with tenant_context(tenant):
        owner = Customer.objects.get(pk=customer.pk).owner_id
        assert owner in {p.pk for p in people}
        assert (
            AuditEvent.objects.filter(action=AuditAction.CUSTOMER_CLAIMED).count() == 1
        )


def test_daily_limit_holds_under_concurrent_claims():
    tenant = make_tenant()
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
        PoolRules.objects.update(daily_claim_limit=5, private_cap=1000)
    seller = make_user(tenant, "greedy")
    pool = [add_customer(tenant, admin, name="客户%d" % i) for i in range(15)]
    outcomes = _race(tenant, [(seller.pk, c.pk) for c in pool])
    assert outcomes.count("won") == 5
    with tenant_context(tenant):
        assert Customer.objects.filter(owner=seller).count() == 5


def test_private_cap_holds_under_concurrent_claims():
    tenant = make_tenant()
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
        PoolRules.objects.update(daily_claim_limit=100, private_cap=4)
    seller = make_user(tenant, "capped")
    pool = [add_customer(tenant, admin, name="客户%d" % i) for i in range(12)]
    outcomes = _race(tenant, [(seller.pk, c.pk) for c in pool])
    assert outcomes.count("won") == 4
    with tenant_context(tenant):
        assert Customer.objects.filter(owner=seller).count() == 4
