"""The repayment schedule of a disbursed loan: the one engine (products.cost), exact
to the cent and half-up, checked against the published examples and the DOMAIN
formula; due dates month by month with short months clamped."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from lenddesk.orders.disbursements import add_months, due_dates, schedule_lines
from lenddesk.orders.models import Instalment
from lenddesk.products.cost import schedule
from lenddesk.tenancy.context import tenant_context
from tests.orders.test_disbursement import disburse, loan_world, world  # noqa: F401

CENT = Decimal("0.01")


def domain_equal_instalment(principal: Decimal, annual: Decimal, n: int):
    """DOMAIN §11, written out on its own: payment = P·r/(1−(1+r)^−n), each
    period's interest = balance × r half-up, the last period takes the rest."""
    with localcontext() as ctx:
        ctx.prec = 34
        r = annual / 100 / 12
        payment = (principal * r / (1 - (1 + r) ** -n)).quantize(CENT, ROUND_HALF_UP)
        balance, interest_total, principals = principal, Decimal(0), []
        for k in range(1, n + 1):
            interest = (balance * r).quantize(CENT, ROUND_HALF_UP)
            part = balance if k == n else payment - interest
            balance -= part
            interest_total += interest
            principals.append(part)
    return payment, principals, interest_total


def test_the_done_when_example_300000_at_4_2_over_36_months():
    rows = schedule(
        amount=Decimal("300000"),
        term=36,
        annual_rate=Decimal("4.2"),
        method="equal_instalment",
    )
    assert len(rows) == 36
    assert {r.total for r in rows[:-1]} == {Decimal("8883.91")}
    assert rows[-1].total == Decimal("8883.92")  # the last takes the rounding
    assert sum(r.principal for r in rows) == Decimal("300000.00")
    interest = sum(r.interest for r in rows)
    assert interest == Decimal("19820.77")
    assert abs(interest - Decimal("19820.80")) < Decimal("0.05")  # bank calculator
    payment, principals, domain_interest = domain_equal_instalment(
        Decimal("300000"), Decimal("4.2"), 36
    )
    assert payment == Decimal("8883.91")
    assert [r.principal for r in rows] == principals
    assert interest == domain_interest
    assert rows[0].interest == Decimal("1050.00")  # 300,000 × 0.35 %
    assert rows[-1].balance == 0


def test_equal_principal_example():
    """120,000 over 12 months at 6 %: 10,000 a month, interest 600, 550 … 50."""
    rows = schedule(
        amount=Decimal("120000"),
        term=12,
        annual_rate=Decimal("6"),
        method="equal_principal",
    )
    assert [r.principal for r in rows] == [Decimal("10000.00")] * 12
    assert [r.interest for r in rows] == [Decimal(600 - 50 * k) for k in range(12)]
    assert rows[0].total == Decimal("10600.00")
    assert rows[-1].total == Decimal("10050.00")
    assert sum(r.interest for r in rows) == Decimal("3900.00")


def test_equal_principal_rounding_goes_into_the_last_instalment():
    rows = schedule(
        amount=Decimal("100000"),
        term=36,
        annual_rate=Decimal("4.35"),
        method="equal_principal",
    )
    assert {r.principal for r in rows[:-1]} == {Decimal("2777.78")}
    assert rows[-1].principal == Decimal("2777.70")
    assert sum(r.principal for r in rows) == Decimal("100000.00")
    assert rows[0].interest == Decimal("362.50")  # 100,000 × 4.35 % / 12


def test_interest_first_example():
    """100,000 over 12 months at 3.6 %: 300 a month, the principal with the last."""
    rows = schedule(
        amount=Decimal("100000"),
        term=12,
        annual_rate=Decimal("3.6"),
        method="interest_only",
    )
    assert [r.interest for r in rows] == [Decimal("300.00")] * 12
    assert [r.principal for r in rows[:-1]] == [0] * 11
    assert rows[-1].principal == Decimal("100000")
    assert rows[-1].total == Decimal("100300.00")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 31), 2, dt.date(2026, 3, 31)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 5, 20), 24, dt.date(2028, 5, 20)),
    ],
)
def test_add_months_clamps_to_the_months_end(day, months, expected):
    assert add_months(day, months) == expected


def test_due_dates_keep_the_first_day_after_a_short_month():
    dates = due_dates(dt.date(2026, 1, 31), 4)
    assert dates == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]


def test_schedule_lines_are_the_engines_rows_with_dates():
    lines = schedule_lines(
        amount=Decimal("300000"),
        term_months=36,
        annual_rate=Decimal("4.2"),
        method="equal_instalment",
        first_due_on=dt.date(2026, 8, 31),
    )
    engine = schedule(
        amount=Decimal("300000"),
        term=36,
        annual_rate=Decimal("4.2"),
        method="equal_instalment",
    )
    assert [(line.principal, line.interest) for line in lines] == [
        (r.principal, r.interest) for r in engine
    ]
    assert lines[1].due_on == dt.date(2026, 9, 30)
    assert lines[-1].due_on == dt.date(2029, 7, 31)


def test_the_stored_schedule_is_exact(loan_world):  # noqa: F811
    disbursement = disburse(loan_world)
    with tenant_context(loan_world["tenant"]):
        rows = list(Instalment.objects.filter(disbursement=disbursement))
    assert len(rows) == 36
    assert sum(r.principal for r in rows) == Decimal("300000.00")
    assert sum(r.interest for r in rows) == Decimal("19820.77")
    assert {r.total for r in rows[:-1]} == {Decimal("8883.91")}
    assert rows[0].due_on == disbursement.first_due_on
    assert rows[-1].balance == Decimal("0.00")
