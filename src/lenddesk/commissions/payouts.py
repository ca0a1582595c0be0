"""Payout batches (代发批次): approved partner statements of one paying entity paid by
one bank transfer file, then marked paid with the bank's reference.

A statement enters at most one batch (a unique row per statement); only a positive
net is paid. Batch numbers run per year without gaps (``PO2026-0001``), taken by one
``INSERT … ON CONFLICT … RETURNING`` like order numbers.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from lenddesk.audit.services import audit_record
from lenddesk.commissions.audit import CommissionAudit
from lenddesk.commissions.errors import CommissionError, refusal
from lenddesk.commissions.models import (
    PartnerPayee,
    PartnerStatement,
    PayoutBatch,
    PayoutItem,
    PayoutStatus,
    StatementStatus,
)
from lenddesk.commissions.sheets import csv_bytes, xlsx_bytes
from lenddesk.tenancy.context import require_current_tenant

_NEXT = (
    'INSERT INTO "commissions_payoutsequence" ("tenant_id", "year", "last") '
    "VALUES (%s, %s, 1) "
    'ON CONFLICT ("tenant_id", "year") DO UPDATE '
    'SET "last" = "commissions_payoutsequence"."last" + 1 '
    'RETURNING "last"'
)
MAX_STATEMENTS = 5000


def next_batch_number(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [require_current_tenant().pk, year])
        last = int(cursor.fetchone()[0])
    return "PO%d-%04d" % (year, last)


def payable(entity, *, month: dt.date | None = None, ids=None):
    """Approved statements of ``entity`` with something to pay, in no batch yet."""
    rows = PartnerStatement.objects.filter(
        paying_entity=entity,
        status=StatementStatus.APPROVED,
        net__gt=0,
        payout_item__isnull=True,
    )
    if month is not None:
        rows = rows.filter(month=month)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.select_related("partner").order_by("month", "partner_id")


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return refusal(field, message, code)


def _check_payees(statements) -> None:
    complete = {
        payee.partner_id
        for payee in PartnerPayee.objects.filter(
            partner_id__in={s.partner_id for s in statements}
        )
        if payee.is_complete
    }
    missing = sorted(
        {s.partner.name for s in statements if s.partner_id not in complete}
    )
    if missing:
        raise _refuse(
            "statements",
            _("Payment details missing for: %s.") % "、".join(missing[:20]),
            CommissionError.PAYEE_INCOMPLETE,
        )


@transaction.atomic
def payout_batch_create(*, actor, paying_entity, month=None, ids=None) -> PayoutBatch:
    """A batch of the approved, unpaid statements chosen (all of the entity's, of
    the month, or the ids given)."""
    if paying_entity is None:
        raise _refuse(
            "paying_entity",
            _("Choose a paying entity."),
            CommissionError.NOTHING_TO_PAY,
        )
    statements = list(payable(paying_entity, month=month, ids=ids)[:MAX_STATEMENTS])
    if not statements:
        raise _refuse(
            "statements",
            _("No approved statement with something to pay."),
            CommissionError.NOTHING_TO_PAY,
        )
    _check_payees(statements)
    batch = PayoutBatch.objects.create(
        number=next_batch_number(timezone.localdate().year),
        paying_entity=paying_entity,
        total=sum(s.net for s in statements),
        item_count=len(statements),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            PayoutItem.objects.bulk_create(
                [
                    PayoutItem(
                        batch=batch, statement=s, partner_id=s.partner_id, amount=s.net
                    )
                    for s in statements
                ]
            )
    except IntegrityError:
        raise _refuse(
            "statements",
            _("Some of these statements were put in another batch just now."),
            CommissionError.ALREADY_PAID,
        ) from None
    audit_record(
        actor=actor,
        action=CommissionAudit.PAYOUT_CREATED,
        target=batch,
        changes={"statements": len(statements), "total": str(batch.total)},
    )
    return batch


@transaction.atomic
def payout_mark_paid(*, actor, batch: PayoutBatch, reference) -> PayoutBatch:
    reference = str(reference or "").strip()
    if not reference or len(reference) > 80:
        raise _refuse(
            "reference",
            _("Give the bank's reference (1 to 80 characters)."),
            CommissionError.NOTHING_TO_PAY,
        )
    now = timezone.now()
    won = PayoutBatch.objects.filter(pk=batch.pk, status=PayoutStatus.CREATED).update(
        status=PayoutStatus.PAID, reference=reference, paid_by=actor, paid_at=now
    )
    if not won:
        raise ValidationError(
            _("This batch is already marked paid."), code=CommissionError.ALREADY_PAID
        )
    PartnerStatement.objects.filter(payout_item__batch=batch).update(
        status=StatementStatus.PAID, updated_at=now
    )
    batch.refresh_from_db()
    audit_record(
        actor=actor,
        action=CommissionAudit.PAYOUT_PAID,
        target=batch,
        changes={"reference": reference},
    )
    return batch


BANK_HEADERS = (
    pgettext_lazy("commission", "No."),
    gettext_lazy("Account name"),
    gettext_lazy("Account number"),
    gettext_lazy("Bank"),
    gettext_lazy("Amount"),
    gettext_lazy("Remark"),
)


def bank_rows(batch: PayoutBatch) -> list[list]:
    items = list(
        PayoutItem.objects.filter(batch=batch).select_related("statement", "partner")
    )
    payees = {
        p.partner_id: p
        for p in PartnerPayee.objects.filter(
            partner_id__in=[i.partner_id for i in items]
        )
    }
    rows = []
    for number, item in enumerate(items, start=1):
        payee = payees.get(item.partner_id)
        rows.append(
            [
                str(number),
                payee.legal_name if payee else item.partner.name,
                (payee.get_secret("bank_account") if payee else "") or "",
                payee.bank_name if payee else "",
                item.amount,
                "%s %s" % (batch.number, item.statement.month.strftime("%Y-%m")),
            ]
        )
    return rows


def payout_file(*, actor, batch: PayoutBatch, kind: str) -> tuple[bytes, str]:
    """The bank transfer file (CSV or xlsx); downloading it is audited."""
    headers = [str(h) for h in BANK_HEADERS]
    rows = bank_rows(batch)
    data = (
        xlsx_bytes(actor, batch.number, headers, rows)
        if kind == "xlsx"
        else csv_bytes(headers, rows)
    )
    audit_record(
        actor=actor,
        action=CommissionAudit.PAYOUT_FILE,
        target=batch,
        changes={"format": kind, "rows": len(rows)},
    )
    return data, "%s.%s" % (batch.number, "xlsx" if kind == "xlsx" else "csv")


def batch_total_matches(batch: PayoutBatch) -> bool:
    """The batch's total is the sum of its items."""
    total = PayoutItem.objects.filter(batch=batch).aggregate(t=Sum("amount"))["t"]
    return (total or 0) == batch.total
