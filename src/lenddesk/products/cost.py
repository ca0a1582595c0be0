"""All-in cost of a loan (贷款明白纸): repayment schedule and the borrower's
comprehensive annual cost, the monthly internal rate of return of every cash flow
(amount received, instalments, guarantee fees, our service fee) times twelve.

Everything is ``Decimal``; amounts are rounded half-up to 0.01 per instalment and the
last instalment takes the rounding remainder, so the principal repaid is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from lenddesk.products.models import RepaymentMethod

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Instalment:
    number: int
    principal: Decimal
    interest: Decimal
    guarantee_fee: Decimal
    balance: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.guarantee_fee


@dataclass
class CostSheet:
    amount: Decimal
    term: int
    annual_rate: Decimal  # percent
    method: str
    service_fee: Decimal
    guarantee_fee_upfront: Decimal
    schedule: list[Instalment] = field(default_factory=list)
    apr: Decimal = ZERO  # percent, comprehensive annual cost (IRR × 12)
    effective_annual: Decimal = ZERO  # percent, (1 + IRR)^12 − 1
    ceiling: Decimal = Decimal("24")

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.schedule), ZERO)

    @property
    def total_guarantee(self) -> Decimal:
        return self.guarantee_fee_upfront + sum(
            (i.guarantee_fee for i in self.schedule), ZERO
        )

    @property
    def total_cost(self) -> Decimal:
        return self.total_interest + self.total_guarantee + self.service_fee

    @property
    def total_repaid(self) -> Decimal:
        return sum((i.total for i in self.schedule), ZERO)

    @property
    def received(self) -> Decimal:
        return self.amount - self.service_fee - self.guarantee_fee_upfront

    @property
    def above_ceiling(self) -> bool:
        return self.apr > self.ceiling

    def cash_flows(self) -> list[Decimal]:
        return [self.received] + [-i.total for i in self.schedule]


def schedule(
    *,
    amount: Decimal,
    term: int,
    annual_rate: Decimal,
    method: str,
    monthly_guarantee: Decimal = ZERO,
) -> list[Instalment]:
    """The repayment plan. ``annual_rate`` and ``monthly_guarantee`` are percents;
    the monthly guarantee fee is charged on the original amount."""
    if amount <= 0 or term < 1:
        raise ValueError("amount and term must be positive")
    rate = annual_rate / Decimal(1200)
    guarantee = money(amount * monthly_guarantee / 100)
    rows: list[Instalment] = []
    balance = amount
    with localcontext() as ctx:
        ctx.prec = 34
        if method == RepaymentMethod.EQUAL_INSTALMENT:
            if rate == 0:
                payment = amount / term
            else:
                growth = (1 + rate) ** term
                payment = amount * rate * growth / (growth - 1)
            payment = money(payment)
            for n in range(1, term + 1):
                interest = money(balance * rate)
                # Rounding the payment up by under a cent compounds over a long term
                # of a small loan: the principal never exceeds what is still owed, so
                # no row goes negative and the parts still sum to the amount.
                principal = balance if n == term else min(payment - interest, balance)
                balance -= principal
                rows.append(Instalment(n, principal, interest, guarantee, balance))
        elif method == RepaymentMethod.EQUAL_PRINCIPAL:
            part = money(amount / term)
            for n in range(1, term + 1):
                interest = money(balance * rate)
                principal = balance if n == term else part
                balance -= principal
                rows.append(Instalment(n, principal, interest, guarantee, balance))
        elif method == RepaymentMethod.INTEREST_ONLY:
            interest = money(amount * rate)
            for n in range(1, term + 1):
                principal = amount if n == term else ZERO
                balance -= principal
                rows.append(Instalment(n, principal, interest, guarantee, balance))
        else:
            raise ValueError("unknown repayment method %s" % method)
    return rows


def npv(rate: Decimal, flows: list[Decimal]) -> Decimal:
    total, factor = ZERO, Decimal(1)
    step = 1 + rate
    for flow in flows:
        total += flow / factor
        factor *= step
    return total


def _npv_slope(rate: Decimal, flows: list[Decimal]) -> Decimal:
    total, factor = ZERO, 1 + rate
    step = 1 + rate
    for t, flow in enumerate(flows[1:], start=1):
        total -= t * flow / (factor * step)
        factor *= step
    return total


def irr(flows: list[Decimal], *, tolerance: Decimal = Decimal("1e-12")) -> Decimal:
    """The periodic rate at which the flows' net present value is zero.

    Newton's method from a bracketed start, falling back to bisection whenever a step
    leaves the bracket or fails to shrink the residual, so it always converges for a
    loan's flows (one sign change: money in first, payments after)."""
    if not flows or all(f >= 0 for f in flows) or all(f <= 0 for f in flows):
        raise ValueError("cash flows need both a positive and a negative amount")
    with localcontext() as ctx:
        ctx.prec = 40
        low, high = Decimal("-0.99"), Decimal("1")
        f_low, f_high = npv(low, flows), npv(high, flows)
        while f_low * f_high > 0 and high < 1000:
            high *= 2
            f_high = npv(high, flows)
        if f_low * f_high > 0:
            raise ValueError("no rate of return between -99% and 100000%")
        rate = Decimal("0.01") if low < Decimal("0.01") < high else (low + high) / 2
        for _ in range(200):
            value = npv(rate, flows)
            if abs(value) < tolerance:
                break
            if (value > 0) == (f_low > 0):
                low, f_low = rate, value
            else:
                high, f_high = rate, value
            slope = _npv_slope(rate, flows)
            candidate = rate - value / slope if slope != 0 else None
            if candidate is None or not (low < candidate < high):
                candidate = (low + high) / 2
            if abs(candidate - rate) < tolerance:
                rate = candidate
                break
            rate = candidate
        return +rate


def _sheet_without_rate(
    product, amount: Decimal, term: int, method: str, annual_rate, ceiling
) -> CostSheet:
    rate = product.rate_min if annual_rate is None else annual_rate
    return CostSheet(
        amount=amount,
        term=term,
        annual_rate=rate,
        method=method,
        service_fee=product.service_fee(amount),
        guarantee_fee_upfront=money(amount * product.guarantee_fee_percent / 100),
        schedule=schedule(
            amount=amount,
            term=term,
            annual_rate=rate,
            method=method,
            monthly_guarantee=product.guarantee_fee_monthly_percent,
        ),
        ceiling=ceiling,
    )


def interest_total(
    *, amount: Decimal, term: int, annual_rate: Decimal, method: str
) -> Decimal:
    """The schedule's total interest, each instalment rounded exactly as
    ``schedule`` rounds it, without building the rows (a match prices every
    eligible product, some over 360 months)."""
    if amount <= 0 or term < 1:
        raise ValueError("amount and term must be positive")
    rate = annual_rate / Decimal(1200)
    total, balance = ZERO, amount
    with localcontext() as ctx:
        ctx.prec = 34
        if method == RepaymentMethod.INTEREST_ONLY:
            return money(amount * rate) * term
        if method == RepaymentMethod.EQUAL_PRINCIPAL:
            part = money(amount / term)
            for _ in range(term - 1):
                total += money(balance * rate)
                balance -= part
            return total + money(balance * rate)
        if method != RepaymentMethod.EQUAL_INSTALMENT:
            raise ValueError("unknown repayment method %s" % method)
        if rate == 0:
            return ZERO
        growth = (1 + rate) ** term
        payment = money(amount * rate * growth / (growth - 1))
        for _ in range(term - 1):
            interest = money(balance * rate)
            total += interest
            balance -= min(payment - interest, balance)  # as ``schedule`` caps it
        return total + money(balance * rate)


def total_cost(
    *, product, amount: Decimal, term: int, method: str, annual_rate=None
) -> Decimal:
    """The disclosure's total cost (interest, guarantee fees, service fee) without
    working out the rate of return: what a match card quotes, to the cent."""
    rate = product.rate_min if annual_rate is None else annual_rate
    monthly = money(amount * product.guarantee_fee_monthly_percent / 100)
    return (
        interest_total(amount=amount, term=term, annual_rate=rate, method=method)
        + monthly * term
        + money(amount * product.guarantee_fee_percent / 100)
        + product.service_fee(amount)
    )


def cost_sheet(
    *,
    product,
    amount: Decimal,
    term: int,
    method: str,
    annual_rate: Decimal | None = None,
    ceiling: Decimal = Decimal("24"),
) -> CostSheet:
    """The borrower's all-in cost of ``product`` for this amount and term."""
    sheet = _sheet_without_rate(product, amount, term, method, annual_rate, ceiling)
    monthly = irr(sheet.cash_flows())
    sheet.apr = (monthly * 1200).quantize(CENT, rounding=ROUND_HALF_UP)
    with localcontext() as ctx:
        ctx.prec = 34
        sheet.effective_annual = (((1 + monthly) ** 12 - 1) * 100).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    return sheet
