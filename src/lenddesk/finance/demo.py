"""Demo finance (财务): the firm's receiving accounts and fee policy, the fee of every
disbursed demo order, its receipts (some partial), a refund, a write-off, other
expenses, and last month closed.

Played through the real services as the finance clerk (孙梅, ``finance1``) of the
orders demo. Idempotent: nothing is added when the firm already has receivables.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.finance.closing import month_start
from lenddesk.finance.models import FirmAccount, Receivable
from lenddesk.finance.services import (
    account_add,
    account_set_active,
    expense_record,
    month_close,
    policy_update,
    receipt_record,
    receivables_sync,
    refund_record,
    writeoff_record,
)

CENT = Decimal("0.01")
ACCOUNTS = (
    ("安信助贷服务有限公司", "招商银行成都高新支行", "755912345610801"),
    ("安信助贷服务有限公司", "中国建设银行成都分行", "51050142610800001234"),
)
EXPENSES = (
    # category, amount, days ago, note
    ("房租", "18000", 40, "办公室租金"),
    ("快递", "236.50", 35, "原件往返顺丰"),
    ("评估费", "1200", 12, "房产评估（代客户垫付）"),
    ("办公用品", "860", 5, "打印纸、档案袋"),
)


def _clerk(tenant) -> User:
    return (
        User.objects.filter(username="finance1").first()
        or User.objects.filter(username="admin").first()
    )


def _setup(clerk) -> list:
    accounts = [
        account_add(actor=clerk, name=name, bank=bank, account_number=number)
        for name, bank, number in ACCOUNTS
    ]
    account_set_active(actor=clerk, account=accounts[1], active=False)  # stopped
    policy_update(actor=clerk, invoice_threshold="5000")
    return accounts


def _day_after(due_on: dt.date, days: int) -> dt.date:
    return min(due_on + dt.timedelta(days=days), timezone.localdate())


def _collect(clerk, account, receivables: list[Receivable]) -> dict:
    """Older fees collected in full; the newest stay open, one partly paid; one
    refunded in part; one written off after a partial payment."""
    done = {"receipts": 0, "refunds": 0, "writeoffs": 0}
    oldest_first = sorted(receivables, key=lambda r: (r.due_on, r.pk))
    for n, rec in enumerate(oldest_first):
        age = (timezone.localdate() - rec.due_on).days
        if rec.amount <= 0 or age < 4:
            continue  # just paid out: the fee is still open
        common = {"actor": clerk, "receivable": rec, "account": account}
        if n == 1:  # the overdue loan: half paid, the rest written off
            half = (rec.amount / 2).quantize(CENT, ROUND_HALF_UP)
            receipt_record(
                amount=half,
                occurred_on=_day_after(rec.due_on, 3),
                invoice_no="FP%06d" % rec.pk,
                **common,
            )
            writeoff_record(
                actor=clerk,
                receivable=rec,
                occurred_on=_day_after(rec.due_on, 30),
                note="客户经济困难，经总经理批准减免剩余服务费",
            )
            done["receipts"] += 1
            done["writeoffs"] += 1
            continue
        if age < 15:  # partly paid
            part = (rec.amount * Decimal("0.4")).quantize(CENT, ROUND_HALF_UP)
            receipt_record(
                amount=part,
                occurred_on=_day_after(rec.due_on, 2),
                invoice_no="FP%06d" % rec.pk,
                reference="首笔服务费",
                **common,
            )
            done["receipts"] += 1
            continue
        receipt = receipt_record(
            amount=rec.amount,
            occurred_on=_day_after(rec.due_on, 2),
            invoice_no="FP%06d" % rec.pk,
            **common,
        )
        done["receipts"] += 1
        if n == 2:  # a refund of part of a fee
            refund_record(
                amount=(rec.amount / 10).quantize(CENT, ROUND_HALF_UP),
                occurred_on=_day_after(rec.due_on, 9),
                refund_of=receipt,
                note="资方利率下调，按约定退还部分服务费",
                **common,
            )
            done["refunds"] += 1
    return done


def _expenses(clerk) -> int:
    today = timezone.localdate()
    for category, amount, days, note in EXPENSES:
        expense_record(
            actor=clerk,
            category=category,
            amount=amount,
            occurred_on=today - dt.timedelta(days=days),
            note=note,
        )
    return len(EXPENSES)


def build(tenant, log) -> None:
    # the fees themselves come with the orders' disbursements (a signal); the books
    # are built once
    if FirmAccount.objects.exists():
        log("finance: %d receivables (kept)" % Receivable.objects.count())
        return
    clerk = _clerk(tenant)
    if clerk is None:
        return
    accounts = _setup(clerk)
    made = receivables_sync(actor=clerk)
    done = _collect(clerk, accounts[0], list(Receivable.objects.all()))
    expenses = _expenses(clerk)
    last_month = month_start(month_start(timezone.localdate()) - dt.timedelta(days=1))
    try:
        month_close(actor=clerk, month=last_month)
        closed = last_month.strftime("%Y-%m")
    except ValidationError as exc:  # a close step of another app refused
        closed = "not closed (%s)" % "; ".join(exc.messages)
    log(
        "finance: %d receivables, %d receipts, %d refunds, %d write-offs, "
        "%d expenses, month %s closed"
        % (made, done["receipts"], done["refunds"], done["writeoffs"], expenses, closed)
    )
