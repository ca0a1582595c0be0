"""Money against a receivable: receipts (回款, partial allowed), refunds and
write-offs. Each is one append-only row, made under the firm's finance lock and the
receivable's row lock, so two receipts at once never collect more than is owed.

Guardrails (firm policy), each refused naming its field: no fee before the funder's
approval; money only into the firm's registered, active accounts; an invoice number
above the firm's threshold; never more than is owed, refunded or left to write off.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.finance.closing import lock_books, period_for
from lenddesk.finance.errors import FinanceError
from lenddesk.finance.models import (
    ZERO,
    FirmAccount,
    Receipt,
    ReceiptKind,
    Receivable,
    ReceivableStatus,
)
from lenddesk.finance.services.common import (
    FinanceAudit,
    clean_day,
    clean_money,
    refusal,
)
from lenddesk.finance.signals import receipt_recorded
from lenddesk.orders.models import Order, SubmissionStatus
from lenddesk.web.params import int_or_none

TEXT_LIMITS = {"invoice_no": 40, "reference": 80, "note": 300}
AUDIT_ACTIONS = {
    ReceiptKind.RECEIPT: FinanceAudit.RECEIPT,
    ReceiptKind.REFUND: FinanceAudit.REFUND,
    ReceiptKind.WRITEOFF: FinanceAudit.WRITEOFF,
}


def clean_text(value, field: str) -> str:
    text = str(value or "").strip()
    if len(text) > TEXT_LIMITS[field]:
        raise refusal(
            field,
            _("At most %d characters.") % TEXT_LIMITS[field],
            "invalid",
        )
    return text


def receivable_of_order(order: Order) -> Receivable:
    """The order's receivable; an order not yet approved and disbursed has none."""
    receivable = Receivable.objects.filter(order=order).first()
    if receivable is None:
        raise refusal(
            "order",
            _(
                "No fee before approval: this order has no funder's approval and "
                "disbursement yet, so nothing is owed."
            ),
            FinanceError.FEE_BEFORE_APPROVAL,
        )
    return receivable


def _ensure_approved(order: Order) -> None:
    if not order.submissions.filter(status=SubmissionStatus.APPROVED).exists():
        raise refusal(
            "order",
            _("No fee before approval: no funder has approved this order."),
            FinanceError.FEE_BEFORE_APPROVAL,
        )


def registered_account(account) -> FirmAccount:
    """An active account registered in the firm's name, else a refusal."""
    account_id = int_or_none(
        account.pk if isinstance(account, FirmAccount) else account
    )
    found = None
    if account_id is not None:
        found = FirmAccount.objects.filter(pk=account_id, is_active=True).first()
    if found is None:
        raise refusal(
            "account",
            _("Fees are received only into the firm's registered, active accounts."),
            FinanceError.ACCOUNT_NOT_REGISTERED,
        )
    return found


def _check_invoice(policy, amount: Decimal, invoice_no: str) -> None:
    threshold = policy.invoice_threshold
    if threshold is not None and amount > threshold and not invoice_no:
        raise refusal(
            "invoice_no",
            _("Enter the invoice number: required for receipts above %s yuan.")
            % threshold,
            FinanceError.INVOICE_REQUIRED,
        )


def _locked(receivable: Receivable) -> Receivable:
    return (
        Receivable.objects.select_for_update()
        .select_related("order")
        .get(pk=receivable.pk)
    )


def _status(receivable: Receivable) -> str:
    if receivable.outstanding > 0:
        return ReceivableStatus.OPEN
    if receivable.written_off > 0:
        return ReceivableStatus.WRITTEN_OFF
    return ReceivableStatus.SETTLED


def _apply(receivable: Receivable, receipt: Receipt) -> None:
    """Keep the receivable's running figures in step with the new row."""
    if receipt.kind == ReceiptKind.WRITEOFF:
        receivable.written_off += receipt.amount
    else:
        receivable.received += receipt.signed_amount
    receivable.outstanding = (
        receivable.amount - receivable.received - receivable.written_off
    )
    receivable.status = _status(receivable)
    receivable.save(
        update_fields=["received", "written_off", "outstanding", "status", "updated_at"]
    )


def _save(actor, receivable: Receivable, receipt: Receipt) -> Receipt:
    receipt.receivable = receivable
    receipt.order = receivable.order
    receipt.period = period_for(receipt.occurred_on)
    receipt.recorded_by = actor
    receipt.save()
    _apply(receivable, receipt)
    audit_record(
        actor=actor,
        action=AUDIT_ACTIONS[receipt.kind],
        target=receivable.order,
        changes={
            "receipt": receipt.pk,
            "amount": receipt.amount,
            "occurred_on": receipt.occurred_on,
            "period": receipt.period,
            "account": receipt.account_id,
            "invoice_no": receipt.invoice_no,
            "refund_of": receipt.refund_of_id,
            "outstanding": receivable.outstanding,
        },
    )
    receipt_recorded.send(sender=Receipt, receipt=receipt, actor=actor)
    return receipt


@transaction.atomic
def receipt_record(
    *,
    actor,
    receivable: Receivable,
    amount,
    occurred_on,
    account,
    invoice_no: str = "",
    reference: str = "",
    note: str = "",
) -> Receipt:
    """Money received against the fee; part of what is owed is fine."""
    amount = clean_money(amount, "amount")
    occurred_on = clean_day(occurred_on, "occurred_on")
    texts = {f: clean_text(v, f) for f, v in _texts(invoice_no, reference, note)}
    account = registered_account(account)
    policy = lock_books()
    _check_invoice(policy, amount, texts["invoice_no"])
    locked = _locked(receivable)
    _ensure_approved(locked.order)
    if amount > locked.outstanding:
        raise refusal(
            "amount",
            _("More than the %s yuan still owed.") % locked.outstanding,
            FinanceError.OVER_RECEIPT,
        )
    receipt = Receipt(
        kind=ReceiptKind.RECEIPT,
        amount=amount,
        occurred_on=occurred_on,
        account=account,
        **texts,
    )
    return _save(actor, locked, receipt)


def _texts(invoice_no, reference, note):
    return (("invoice_no", invoice_no), ("reference", reference), ("note", note))


def _refundable_of(receipt_id, receivable: Receivable) -> tuple[Receipt, Decimal]:
    original, receipt_id = None, int_or_none(receipt_id)
    if receipt_id is not None:
        original = Receipt.objects.filter(
            pk=receipt_id,
            receivable=receivable,
            kind=ReceiptKind.RECEIPT,
        ).first()
    if original is None:
        raise refusal("refund_of", _("Choose a receipt of this fee."), "invalid")
    refunded = original.refunds.aggregate(total=Sum("amount"))["total"] or ZERO
    return original, original.amount - refunded


@transaction.atomic
def refund_record(
    *,
    actor,
    receivable: Receivable,
    amount,
    occurred_on,
    account,
    refund_of=None,
    reference: str = "",
    note: str = "",
) -> Receipt:
    """Fee paid back, never more than was received net of earlier refunds."""
    amount = clean_money(amount, "amount")
    occurred_on = clean_day(occurred_on, "occurred_on")
    texts = {f: clean_text(v, f) for f, v in _texts("", reference, note)}
    account = registered_account(account)
    lock_books()
    locked = _locked(receivable)
    limit, original = locked.received, None
    if refund_of not in (None, ""):
        original, left = _refundable_of(getattr(refund_of, "pk", refund_of), locked)
        limit = min(limit, left)
    if amount > limit:
        raise refusal(
            "amount",
            _("More than the %s yuan received and not yet refunded.") % limit,
            FinanceError.OVER_REFUND,
        )
    receipt = Receipt(
        kind=ReceiptKind.REFUND,
        amount=amount,
        occurred_on=occurred_on,
        account=account,
        refund_of=original,
        **texts,
    )
    return _save(actor, locked, receipt)


@transaction.atomic
def writeoff_record(
    *, actor, receivable: Receivable, amount=None, occurred_on, note: str
) -> Receipt:
    """Give up what is still owed (all of it unless ``amount`` says less); the
    reason is required."""
    occurred_on = clean_day(occurred_on, "occurred_on")
    note = clean_text(note, "note")
    if not note:
        raise refusal("note", _("Say why the fee is written off."), "required")
    lock_books()
    locked = _locked(receivable)
    if locked.outstanding <= 0:
        raise refusal(
            "amount", _("Nothing is owed on this fee."), FinanceError.NOTHING_OWED
        )
    amount = (
        locked.outstanding if amount in (None, "") else clean_money(amount, "amount")
    )
    if amount > locked.outstanding:
        raise refusal(
            "amount",
            _("More than the %s yuan still owed.") % locked.outstanding,
            FinanceError.OVER_RECEIPT,
        )
    receipt = Receipt(
        kind=ReceiptKind.WRITEOFF, amount=amount, occurred_on=occurred_on, note=note
    )
    return _save(actor, locked, receipt)
