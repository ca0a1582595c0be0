"""Individual income tax withheld on partners' labour remuneration (劳务报酬).

Pure functions on ``Decimal``; every rule rounds once, half-up to 0.01.

Per payment (预扣预缴, 国家税务总局公告2018年第61号, 预扣率表二): continuous income from
one source within a month is one payment, so the month's total ``X`` is taxed:
``X ≤ 800`` → 0; ``X ≤ 4,000`` → ``(X − 800) × 20 %``; above, the taxable amount is
``X × 80 %`` at 20 % up to 20,000, 30 % − 2,000 up to 50,000, 40 % − 7,000 above.

Cumulative (累计预扣法, 国家税务总局公告2025年第16号, internet platforms): the year's
income so far × 80 %, minus 5,000 per month of the year so far, taxed on the 3–45 %
annual table; this period's tax is that cumulative tax minus the tax already withheld
(never below zero: an over-withholding is settled in the annual 汇算).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PER_PAYMENT_ALLOWANCE = Decimal("800")
PER_PAYMENT_FLAT_LIMIT = Decimal("4000")
EXPENSE_SHARE = Decimal("0.8")  # 收入额 = income × (1 − 20 %)
LOW_RATE = Decimal("0.20")
MONTHLY_DEDUCTION = Decimal("5000")

# (taxable up to, rate, quick deduction); the last band has no cap.
PER_PAYMENT_TABLE: tuple[tuple[Decimal | None, Decimal, Decimal], ...] = (
    (Decimal("20000"), Decimal("0.20"), Decimal("0")),
    (Decimal("50000"), Decimal("0.30"), Decimal("2000")),
    (None, Decimal("0.40"), Decimal("7000")),
)
CUMULATIVE_TABLE: tuple[tuple[Decimal | None, Decimal, Decimal], ...] = (
    (Decimal("36000"), Decimal("0.03"), Decimal("0")),
    (Decimal("144000"), Decimal("0.10"), Decimal("2520")),
    (Decimal("300000"), Decimal("0.20"), Decimal("16920")),
    (Decimal("420000"), Decimal("0.25"), Decimal("31920")),
    (Decimal("660000"), Decimal("0.30"), Decimal("52920")),
    (Decimal("960000"), Decimal("0.35"), Decimal("85920")),
    (None, Decimal("0.45"), Decimal("181920")),
)


def money(value) -> Decimal:
    """``value`` rounded half-up to the cent: the one rounding place of a rule."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _band(table, taxable: Decimal) -> tuple[Decimal, Decimal]:
    for cap, rate, deduction in table:
        if cap is None or taxable <= cap:
            return rate, deduction
    raise AssertionError("the last band has no cap")  # pragma: no cover


@dataclass(frozen=True)
class Withholding:
    taxable: Decimal  # 应纳税所得额 (cumulative: the year's so far)
    tax: Decimal  # withheld this period
    rate: Decimal
    deduction: Decimal


def per_payment_taxable(income: Decimal) -> Decimal:
    """The 预扣预缴应纳税所得额 of one payment (a month's continuous income)."""
    if income <= PER_PAYMENT_ALLOWANCE:
        return ZERO
    if income <= PER_PAYMENT_FLAT_LIMIT:
        return money(income - PER_PAYMENT_ALLOWANCE)
    return money(income * EXPENSE_SHARE)


def per_payment(income: Decimal) -> Withholding:
    """What to withhold on one payment of ``income`` (table 二)."""
    taxable = per_payment_taxable(income)
    if taxable <= 0:
        return Withholding(ZERO, ZERO, ZERO, ZERO)
    if income <= PER_PAYMENT_FLAT_LIMIT:
        return Withholding(taxable, money(taxable * LOW_RATE), LOW_RATE, ZERO)
    rate, deduction = _band(PER_PAYMENT_TABLE, taxable)
    return Withholding(taxable, money(taxable * rate - deduction), rate, deduction)


def per_payment_tax(income: Decimal) -> Decimal:
    return per_payment(income).tax


def cumulative_taxable(cumulative_income: Decimal, months: int) -> Decimal:
    """The year's taxable amount so far: income × 80 % − 5,000 per month, ≥ 0."""
    if months < 1:
        raise ValueError("months counts from 1")
    taxable = money(cumulative_income * EXPENSE_SHARE) - MONTHLY_DEDUCTION * months
    return max(taxable, ZERO)


def cumulative_tax(cumulative_income: Decimal, months: int) -> Decimal:
    """The tax due on the year's income so far (3–45 % table, quick deductions)."""
    taxable = cumulative_taxable(cumulative_income, months)
    if taxable <= 0:
        return ZERO
    rate, deduction = _band(CUMULATIVE_TABLE, taxable)
    return money(taxable * rate - deduction)


def cumulative(
    cumulative_income: Decimal, months: int, withheld_before: Decimal
) -> Withholding:
    """This period's withholding: cumulative tax − tax already withheld this year."""
    taxable = cumulative_taxable(cumulative_income, months)
    due = cumulative_tax(cumulative_income, months)
    rate, deduction = _band(CUMULATIVE_TABLE, taxable) if taxable > 0 else (ZERO, ZERO)
    return Withholding(taxable, max(due - withheld_before, ZERO), rate, deduction)
