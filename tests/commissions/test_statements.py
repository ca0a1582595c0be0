"""Statements: monthly tiers (marginal vs whole), the cumulative method across
months, approval, the month close that locks, and totals that always recompute from
their lines (hypothesis)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenddesk.commissions import services, tax
from lenddesk.commissions.models import (
    PartnerLine,
    PartnerStatement,
    StaffLine,
    StaffStatement,
)
from lenddesk.finance.services import month_close
from lenddesk.tenancy.context import tenant_context
from tests.commissions.conftest import (
    fee_order,
    partner_plan,
    partner_statement,
    pay,
    refund,
    staff_plan,
    staff_statement,
    this_month,
)
from tests.partners.conftest import make_partner

D = Decimal
TIERS = [{"up_to": "10000", "rate": "10"}, {"up_to": None, "rate": "20"}]
JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)


def _tiered(com, mode):
    staff_plan(
        com,
        mode=mode,
        tiers={"owner": TIERS, "telemarketer": TIERS, "processor": TIERS},
    )
    rec = fee_order(com, "20000")
    pay(com, rec, "6000", day=JAN.replace(day=10))
    pay(com, rec, "6000", day=JAN.replace(day=20))
    statement = staff_statement(com, com["s1"], JAN)
    with tenant_context(com["tenant"]):
        lines = list(StaffLine.objects.filter(statement=statement).order_by("id"))
    return statement, [line.amount for line in lines]


def test_marginal_tiers_pay_each_slice_at_its_rate(com):
    statement, amounts = _tiered(com, "marginal")
    # 6,000 at 10 %; then 4,000 at 10 % and 2,000 at 20 %
    assert amounts == [D("600.00"), D("800.00")]
    assert statement.amount_total == D("1400.00")


def test_whole_amount_tiers_pay_the_whole_base_at_the_rate_reached(com):
    statement, amounts = _tiered(com, "whole")
    assert amounts == [D("1200.00"), D("1200.00")]
    assert statement.amount_total == D("2400.00")


def test_cumulative_method_withholds_on_the_year_so_far(com):
    partner_plan(com, rates=("50", "0", "0"), method="cumulative", name="平台公司")
    p = make_partner(com["tenant"], actor=com["admin"], name="平台伙伴")
    rec = fee_order(com, "80000", partner=p)
    pay(com, rec, "40000", day=JAN.replace(day=5))  # 20,000 in January
    pay(com, rec, "40000", day=FEB.replace(day=5))  # 20,000 in February
    jan, feb = partner_statement(com, p, JAN), partner_statement(com, p, FEB)
    assert (jan.taxable, jan.tax) == (D("11000.00"), D("330.00"))
    assert feb.taxable == D("22000.00")  # 40,000 × 80 % − 2 × 5,000
    assert feb.tax == D("330.00")  # 660 cumulative − 330 withheld
    assert feb.method == "cumulative"


def test_close_locks_the_month_and_later_money_goes_to_the_next(com):
    staff_plan(com)
    partner_plan(com, rates=("30", "0", "0"))
    p = make_partner(com["tenant"], actor=com["admin"], name="甲")
    rec = fee_order(com, "20000", partner=p)
    last = (this_month() - dt.timedelta(days=1)).replace(day=1)
    receipt = pay(com, rec, "10000", day=last.replace(day=5))
    with tenant_context(com["tenant"]):
        month_close(actor=com["f1"], month=last)
    locked = staff_statement(com, com["s1"], last)
    assert locked.locked_at is not None
    assert partner_statement(com, p, last).locked_at is not None
    # a refund of last month's receipt counts in the first open month
    refund(com, rec, "5000", of=receipt, day=last.replace(day=20))
    assert staff_statement(com, com["s1"], last).amount_total == D("1000.00")
    now = staff_statement(com, com["s1"], this_month())
    assert now.amount_total == D("-500.00")
    # a new plan reprices open statements only
    staff_plan(
        com,
        tiers={
            r: [{"up_to": None, "rate": "50"}]
            for r in ("owner", "telemarketer", "processor")
        },
    )
    assert staff_statement(com, com["s1"], last).amount_total == D("1000.00")
    with tenant_context(com["tenant"]):
        services.statements_build(actor=com["f1"], month=last)
    assert staff_statement(com, com["s1"], last).amount_total == D("1000.00")
    assert staff_statement(com, com["s1"], this_month()).amount_total == D("-500.00")


def test_a_new_line_sends_an_approved_statement_back_to_draft(com):
    staff_plan(com)
    rec = fee_order(com, "20000")
    pay(com, rec, "10000")
    statement = staff_statement(com, com["s1"], this_month())
    with tenant_context(com["tenant"]):
        services.statement_approve(actor=com["f1"], kind="staff", statement=statement)
        with pytest.raises(ValidationError) as refused:
            services.statement_approve(
                actor=com["f1"], kind="staff", statement=statement
            )
    assert refused.value.code == "already_approved"
    pay(com, rec, "10000")
    again = staff_statement(com, com["s1"], this_month())
    assert again.status == "draft" and again.amount_total == D("2000.00")


def test_month_build_adds_lines_for_receipts_made_before_the_plan(com):
    rec = fee_order(com, "10000")
    pay(com, rec, "10000")
    assert staff_statement(com, com["s1"], this_month()) is None
    staff_plan(com)
    with tenant_context(com["tenant"]):
        result = services.statements_build(actor=com["f1"], month=this_month())
        again = services.statements_build(actor=com["f1"], month=this_month())
    assert result["receipts"] == 1 and again["receipts"] == 0
    assert staff_statement(com, com["s1"], this_month()).amount_total == D("1000.00")


def test_writeoff_makes_no_line(com):
    from lenddesk.finance.services import writeoff_record

    staff_plan(com)
    rec = fee_order(com, "10000")
    with tenant_context(com["tenant"]):
        writeoff_record(
            actor=com["f1"], receivable=rec, occurred_on=dt.date.today(), note="坏账"
        )
        assert not StaffLine.objects.exists()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=D("0.01"), max_value=D("3000"), places=2),
            st.booleans(),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_totals_recompute_exactly_from_their_lines(com, payments):
    if "order" not in com:
        staff_plan(
            com,
            mode="marginal",
            shares=("33.3333", "33.3333", "33.3334"),
            tiers={
                r: [
                    {"up_to": "777.77", "rate": "7.5"},
                    {"up_to": None, "rate": "12.25"},
                ]
                for r in ("owner", "telemarketer", "processor")
            },
        )
        partner_plan(com, rates=("13.37", "0", "0"))
        com["partner"] = make_partner(com["tenant"], actor=com["admin"], name="随机")
        com["order"] = fee_order(com, "9999999", partner=com["partner"])
    for amount, refunded in payments:
        receipt = pay(com, com["order"], amount)
        if refunded:
            refund(
                com,
                com["order"],
                (amount / 3).quantize(D("0.01")) or D("0.01"),
                of=receipt,
            )
    with tenant_context(com["tenant"]):
        for s in StaffStatement.objects.all():
            lines = list(
                StaffLine.objects.filter(statement=s).values_list("base", "amount")
            )
            assert s.base_total == sum((b for b, _a in lines), D(0))
            assert s.amount_total == sum((a for _b, a in lines), D(0))
            assert s.line_count == len(lines)
        for s in PartnerStatement.objects.all():
            gross = sum(
                PartnerLine.objects.filter(statement=s).values_list(
                    "amount", flat=True
                ),
                D(0),
            )
            assert s.gross == gross
            assert s.tax == tax.per_payment_tax(gross)
            assert s.net == s.gross - s.tax
