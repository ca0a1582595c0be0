"""What a target can be set on, how its values are bounded, and the month it is for.

Counts (new customers, follow-ups, calls, visits, signed orders) are whole numbers;
money (disbursed, fees) is yuan with at most two decimals. Both are kept as Decimal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.analytics.metrics import METRICS_BY_CODE
from lenddesk.performance.errors import PerformanceError, refusal
from lenddesk.web import months
from lenddesk.web.months import month_end, shift  # noqa: F401 - re-exported

TARGET_METRICS: tuple[str, ...] = (
    "new_customers",
    "followups",
    "calls",
    "visits",
    "signed_orders",
    "disbursed",
    "fees",
)
MONEY_METRICS = frozenset(m for m in TARGET_METRICS if METRICS_BY_CODE[m].has_amount)
MAX_COUNT = 1_000_000  # a month's count for one person or department
MAX_MONEY = Decimal("10000000000")  # 100 亿 yuan
CENT = Decimal("0.01")


def metric_label(code: str) -> str:
    return str(METRICS_BY_CODE[code].label)


def is_money(metric: str) -> bool:
    return metric in MONEY_METRICS


def parse_value(metric: str, raw, field: str) -> Decimal | None:
    """A cell's value: None for an empty cell, else a bounded Decimal (a whole number
    for counts, cents at most for money); a ValidationError naming ``field``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip().replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise refusal(field, _("Enter a number."), PerformanceError.TARGET_INVALID)
    if value < 0:
        raise refusal(
            field, _("A target cannot be negative."), PerformanceError.TARGET_INVALID
        )
    if is_money(metric):
        if value != value.quantize(CENT, rounding="ROUND_DOWN"):
            raise refusal(
                field,
                _("Give an amount in yuan with at most two decimals."),
                PerformanceError.TARGET_INVALID,
            )
        if value > MAX_MONEY:
            raise refusal(
                field,
                _("At most %(max)s yuan.") % {"max": "10,000,000,000"},
                PerformanceError.TARGET_INVALID,
            )
        return value.quantize(CENT)
    if value != value.to_integral_value():
        raise refusal(field, _("Give a whole number."), PerformanceError.TARGET_INVALID)
    if value > MAX_COUNT:
        raise refusal(
            field,
            _("At most %(max)s.") % {"max": "1,000,000"},
            PerformanceError.TARGET_INVALID,
        )
    return value.quantize(CENT)


def shown(metric: str, value: Decimal | None):
    """A target or actual as shown: int for counts, Decimal (cents) for money."""
    if value is None:
        return None
    return value.quantize(CENT) if is_money(metric) else int(value)


# --- months --------------------------------------------------------------------------


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def month_of(value) -> dt.date:
    """The first day of the month ``value`` names, or a refusal naming ``month``."""
    return months.month_of(value, code=PerformanceError.MONTH_INVALID)


def month_or_now(raw) -> dt.date:
    """``?month=`` of a page: this month when absent or malformed."""
    try:
        return month_of(raw) if raw else this_month()
    except ValidationError:  # a malformed query string shows this month
        return this_month()
