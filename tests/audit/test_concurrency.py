"""T35: many writers append to one tenant's chain at once (PostgreSQL)."""

import statistics
import threading
import time

import pytest
from django.db import connection

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.audit.services import audit_record, verify_chain
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_tenant

THREADS = 20
EVENTS_EACH = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_contiguous_chain(record_property):
    tenant = make_tenant(slug="firm-busy")
    with tenant_context(tenant):
        start_seq = AuditEvent.objects.count()
    barrier = threading.Barrier(THREADS)
    timings: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(EVENTS_EACH):
                began = time.perf_counter()
                with tenant_context(tenant):
                    audit_record(
                        action=AuditAction.USER_UPDATED,
                        object_repr="writer %d event %d" % (number, i),
                    )
                elapsed = time.perf_counter() - began
                with lock:
                    timings.append(elapsed)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    wall = time.perf_counter() - began
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    assert errors == []

    total = start_seq + THREADS * EVENTS_EACH
    with tenant_context(tenant):
        seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
        written = AuditEvent.objects.filter(object_repr__startswith="writer ").count()
        report = verify_chain()
    assert seqs == list(range(1, total + 1))
    assert written == THREADS * EVENTS_EACH
    assert report.ok and report.checked == total
    record_property("writers", THREADS)
    record_property("appends", len(timings))
    record_property("median_append_ms", round(statistics.median(timings) * 1000, 2))
    record_property("max_append_ms", round(max(timings) * 1000, 2))
    record_property("appends_per_second", round(len(timings) / wall, 1))
