"""Two sweeps at the same moment on PostgreSQL (each its own connection, rows locked
with SKIP LOCKED and claimed with a conditional UPDATE): every due callback reaches
the platform exactly once."""

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from lenddesk.accounts.models import User
from lenddesk.acquisition.conversion_delivery import conversions_deliver_due
from lenddesk.acquisition.models import ConversionCallback
from lenddesk.tenancy.context import bind_tenant, tenant_context
from tests.acquisition.conftest import make_integration
from tests.acquisition.test_conversions_stub import Receiver, switch_on
from tests.factories import make_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CALLBACKS = 60
SWEEPS = 2


def test_two_concurrent_sweeps_send_each_callback_once():
    receiver = Receiver()
    try:
        tenant = make_tenant()
        with tenant_context(tenant):
            admin = User.objects.get(username="admin")
        integration, _secret = make_integration(tenant, admin)
        receiver.reset(switch_on(tenant, admin, integration, receiver.url))
        with tenant_context(tenant):
            ConversionCallback.objects.bulk_create(
                ConversionCallback(
                    integration=integration, event="signed", lead_ref="race-%d" % n
                )
                for n in range(CALLBACKS)
            )
        barrier = threading.Barrier(SWEEPS)
        outcomes: list[dict] = []

        def sweep() -> None:
            close_old_connections()
            try:
                barrier.wait(timeout=30)
                with bind_tenant(tenant):
                    outcomes.append(conversions_deliver_due())
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep) for _ in range(SWEEPS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        sent = Counter(body["event_id"] for body in receiver.bodies())
        assert len(sent) == CALLBACKS and set(sent.values()) == {1}
        assert sum(o.get("delivered", 0) for o in outcomes) == CALLBACKS
        with tenant_context(tenant):
            rows = ConversionCallback.objects.all()
            assert {(r.status, r.attempts) for r in rows} == {("delivered", 1)}
    finally:
        receiver.close()
