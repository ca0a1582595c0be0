"""The fee an order owes, made when its loan is disbursed (应收).

The amount comes from the order's fee terms through orders' one fee function
(``orders.services.terms.fee_for``: rate × disbursed amount rounded half-up once, the
fixed fee, or the rate of the tier the whole disbursed amount falls in). One receivable
per order: a second call, or two at once, return the first.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_records
from lenddesk.finance.closing import lock_books, month_start, next_month
from lenddesk.finance.errors import FinanceError
from lenddesk.finance.models import (
    ClosedMonth,
    Receivable,
    ReceivableStatus,
)
from lenddesk.finance.services.common import FinanceAudit, cents, refusal
from lenddesk.orders.models import Disbursement, FeeKind, Order
from lenddesk.orders.services.terms import fee_for

SYNC_BATCH = 500


def fee_basis(order: Order, disbursed: Decimal) -> tuple[Decimal, dict]:
    """The fee on ``disbursed`` under the order's terms, and how it was found."""
    amount = cents(fee_for(order, disbursed))
    basis: dict = {"fee_kind": order.fee_kind, "disbursed": str(disbursed)}
    if order.fee_kind == FeeKind.FIXED:
        basis["fixed"] = str(order.fee_fixed or Decimal("0.00"))
    elif order.fee_kind == FeeKind.RATE:
        basis["rate"] = str(order.fee_rate or Decimal("0"))
    else:
        basis["tiers"] = list(order.fee_tiers or [])
        basis["tier"], basis["rate"] = _tier_of(order.fee_tiers or [], disbursed)
    return amount, basis


def _tier_of(tiers: list[dict], disbursed: Decimal) -> tuple[int | None, str]:
    """Which tier the disbursed amount falls in (the same walk as ``fee_for``)."""
    found, rate = None, "0"
    for index, tier in enumerate(tiers):
        found, rate = index, str(tier["rate"])
        if tier["up_to"] is None or disbursed <= Decimal(tier["up_to"]):
            break
    return found, rate


class _Periods:
    """The closed months, read once for a batch: a row dated in one counts in the
    first open month after it."""

    def __init__(self):
        self.closed = set(ClosedMonth.objects.values_list("month", flat=True))

    def of(self, day) -> object:
        month = month_start(day)
        while month in self.closed:
            month = next_month(month)
        return month


def _unsaved(disbursement: Disbursement, periods: _Periods) -> Receivable:
    amount, basis = fee_basis(disbursement.order, disbursement.amount)
    return Receivable(
        order_id=disbursement.order_id,
        amount=amount,
        basis=basis,
        due_on=disbursement.disbursed_on,
        period=periods.of(disbursement.disbursed_on),
        outstanding=amount,
        status=ReceivableStatus.OPEN if amount > 0 else ReceivableStatus.SETTLED,
    )


def _audit_entry(actor, receivable: Receivable, number: str) -> dict:
    return dict(
        actor=actor,
        action=FinanceAudit.RECEIVABLE_CREATED,
        object_type="orders.order",
        object_id=str(receivable.order_id),
        object_repr=number,
        changes={"amount": receivable.amount, "basis": receivable.basis},
    )


def _no_approval():
    return refusal(
        None,
        _("No fee before approval: the order has no funder's approval."),
        FinanceError.FEE_BEFORE_APPROVAL,
    )


@transaction.atomic
def receivable_for_disbursement(
    disbursement: Disbursement, *, actor=None
) -> Receivable:
    """The order's receivable, made from the disbursement on first call (audited)."""
    existing = Receivable.objects.filter(order_id=disbursement.order_id).first()
    if existing is not None:
        return existing
    if disbursement.submission_id is None:
        raise _no_approval()
    lock_books()
    receivable = _unsaved(disbursement, _Periods())
    try:
        with transaction.atomic():
            receivable.save()
    except IntegrityError:  # made by someone else a moment ago
        return Receivable.objects.get(order_id=disbursement.order_id)
    audit_records([_audit_entry(actor, receivable, disbursement.order.number)])
    return receivable


def missing_receivables():
    """Disbursements whose order has no receivable yet (approved ones only)."""
    return Disbursement.objects.filter(
        order__receivable__isnull=True, submission__isnull=False
    )


@transaction.atomic
def receivables_sync(*, actor=None, batch: int = SYNC_BATCH) -> int:
    """Make the missing receivables, ``batch`` at a time, idempotently; how many
    were made. Safe beside a concurrent run (the order is unique)."""
    lock_books()
    periods, made = _Periods(), 0
    while True:
        chunk = list(
            missing_receivables().select_related("order").order_by("pk")[:batch]
        )
        if not chunk:
            return made
        rows = [_unsaved(d, periods) for d in chunk]
        Receivable.objects.bulk_create(rows, ignore_conflicts=True)
        numbers = {d.order_id: d.order.number for d in chunk}
        audit_records([_audit_entry(actor, r, numbers[r.order_id]) for r in rows])
        made += len(rows)
        if len(chunk) < batch:
            return made
