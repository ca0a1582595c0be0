"""Receipts at once on PostgreSQL: the finance lock and the receivable's row lock
make them take turns, so a fee is never collected twice over."""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from lenddesk.finance.models import Receipt, Receivable
from lenddesk.tenancy.context import tenant_context
from tests.finance.conftest import receivable, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


def test_ten_receipts_at_once_never_collect_more_than_is_owed(fin):
    rec = receivable(fin)  # 6000.00
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay() -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=60)
            try:
                receive(fin, rec, "1000")
                outcome = "ok"
            except ValidationError as exc:
                outcome = exc.code
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(outcomes) == {"ok": 6, "over_receipt": 4}
    with tenant_context(fin["tenant"]):
        stored = Receivable.objects.get(pk=rec.pk)
        assert stored.received == Decimal("6000.00")
        assert stored.outstanding == Decimal("0.00")
        assert Receipt.objects.count() == 6
