"""What every finance service shares: the audit codes, reading money and dates from
any input (a refusal names the field), and the refusal helper."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from lenddesk.accounts.grants import refusal
from lenddesk.orders.services.terms import AMOUNT_MAX, as_decimal

CENT = Decimal("0.01")
EARLIEST = dt.date(2000, 1, 1)

__all__ = ["CENT", "FinanceAudit", "cents", "clean_day", "clean_money", "refusal"]


class FinanceAudit:
    RECEIVABLE_CREATED = "finance.receivable_created"
    RECEIPT = "finance.receipt_recorded"
    REFUND = "finance.refund_recorded"
    WRITEOFF = "finance.writeoff_recorded"
    EXPENSE = "finance.expense_recorded"
    ACCOUNT_ADDED = "finance.account_added"
    ACCOUNT_CHANGED = "finance.account_changed"
    POLICY_CHANGED = "finance.policy_changed"
    MONTH_CLOSED = "finance.month_closed"


def cents(value: Decimal) -> Decimal:
    """The one rounding of a computed amount: half-up to 0.01."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def clean_money(value, field: str, *, zero: bool = False) -> Decimal:
    """An amount above zero (or zero, with ``zero``), at most what the columns
    hold, half-up to 0.01."""
    if value is None or value == "":
        raise ValidationError({field: _("Enter the amount.")})
    number = as_decimal(value, field)
    if abs(number) > AMOUNT_MAX:  # before rounding: 1e400 cannot be quantised
        raise ValidationError({field: _("The amount is too large.")})
    amount = cents(number)
    if amount < 0 or (amount == 0 and not zero):
        raise ValidationError({field: _("Enter an amount above zero.")})
    return amount


def clean_day(value, field: str) -> dt.date:
    """A date from 2000 to today (the firm's time zone)."""
    day = value
    if isinstance(value, str):
        try:
            day = parse_date(value.strip())
        except ValueError:
            day = None
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date) or not EARLIEST <= day <= timezone.localdate():
        raise ValidationError(
            {field: _("Enter a date from 2000-01-01 to today (YYYY-MM-DD).")}
        )
    return day
