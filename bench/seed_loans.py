"""The money side of the bench firm's activity (``bench/seed_activity.py`` calls it):
the funder's answer and the loan for closed orders, the fee receivables and what they
received. Bulk, inside the firm's row-level security, only what is missing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

CHUNK = 20_000
RATE = Decimal("6.5")


def seed_loans(tenant) -> int:
    """The funder's answer for closed orders without one: completed orders approved
    (a fifth first rejected) and disbursed on the day they closed, a third of the
    cancelled ones rejected."""
    from lenddesk.orders.models import Order, OrderStatus
    from lenddesk.tenancy.context import tenant_context

    made, after = 0, 0
    while True:
        with tenant_context(tenant):
            chunk = list(
                Order.objects.filter(
                    pk__gt=after,
                    status__in=(OrderStatus.COMPLETED, OrderStatus.CANCELLED),
                    submissions__isnull=True,
                )
                .order_by("pk")
                .values_list(
                    "pk",
                    "status",
                    "owner_id",
                    "processor_id",
                    "amount",
                    "term_months",
                    "created_at",
                    "closed_at",
                    "lines__product_id",
                    "lines__product__funder_id",
                )[:CHUNK]
            )
        if not chunk:
            return made
        after = chunk[-1][0]
        with tenant_context(tenant):
            made += _write_loans(chunk)


def _submissions(chunk) -> tuple[list, list, list]:
    """(rejected, approved, the approved ones' (closed, amount, term))."""
    from lenddesk.orders.models import Submission

    rejected, approved, loans = [], [], []
    for (
        pk,
        status,
        owner,
        processor,
        amount,
        term,
        created,
        closed,
        product,
        funder,
    ) in chunk:
        common = dict(
            order_id=pk,
            funder_id=funder,
            product_id=product,
            documents=[],
            submitted_by_id=processor or owner,
            submitted_at=created + (closed - created) * 0.3,
            decided_by_id=processor or owner,
            decided_at=created + (closed - created) * 0.6,
        )
        first_rejected = (status == "completed" and pk % 5 == 0) or (
            status == "cancelled" and pk % 3 == 0
        )
        if first_rejected:
            rejected.append(
                Submission(status="rejected", rejection_reason="资质不符", **common)
            )
        if status == "completed":
            approved.append(
                Submission(
                    status="approved",
                    approved_amount=amount,
                    approved_rate=RATE,
                    approved_term=term,
                    **common,
                )
            )
            loans.append((closed, amount, term))
    return rejected, approved, loans


def _write_loans(chunk) -> int:
    from django.utils import timezone

    from lenddesk.orders.models import Disbursement, Submission
    from lenddesk.tenancy.bulk import bulk_insert

    rejected, approved, loans = _submissions(chunk)
    bulk_insert(Submission, rejected)
    bulk_insert(Submission, approved, returning=True)
    rows = []
    for submission, (closed, amount, term) in zip(approved, loans, strict=True):
        day = timezone.localdate(closed)
        rows.append(
            Disbursement(
                order_id=submission.order_id,
                submission_id=submission.pk,
                amount=amount,
                disbursed_on=day,
                first_due_on=day + dt.timedelta(days=30),
                annual_rate=RATE,
                term_months=term,
                method="equal_instalment",
                recorded_by_id=submission.submitted_by_id,
                created_at=closed,
            )
        )
    bulk_insert(Disbursement, rows)
    return len(rejected) + len(approved) + len(rows)


def seed_receipts(tenant) -> int:
    """The fee receivable of every completed order (as the receivables workload
    makes it), and one receipt for what each has received, within a month of its
    due date."""
    from types import SimpleNamespace

    from django.utils import timezone

    from bench.workloads_finance import _seed_receivables
    from lenddesk.finance.models import Receipt, Receivable
    from lenddesk.tenancy.bulk import bulk_insert
    from lenddesk.tenancy.context import tenant_context

    _seed_receivables(SimpleNamespace(tenant=tenant))
    today, now = timezone.localdate(), timezone.now()
    rng = random.Random(3)
    made, after = 0, 0
    while True:
        with tenant_context(tenant):
            chunk = list(
                Receivable.objects.filter(
                    pk__gt=after, received__gt=0, receipts__isnull=True
                )
                .order_by("pk")
                .values_list("pk", "order_id", "received", "due_on")[:CHUNK]
            )
            if not chunk:
                return made
            after = chunk[-1][0]
            rows = []
            for pk, order, received, due_on in chunk:
                day = min(today, due_on + dt.timedelta(days=rng.randrange(0, 30)))
                rows.append(
                    Receipt(
                        receivable_id=pk,
                        order_id=order,
                        kind="receipt",
                        amount=received,
                        occurred_on=day,
                        period=day.replace(day=1),
                        created_at=now,
                    )
                )
            bulk_insert(Receipt, rows)
        made += len(rows)
