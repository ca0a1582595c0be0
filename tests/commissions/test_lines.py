"""Lines written when finance records money: the worked examples of the brief, splits,
depth and the anti-pyramid rule, and clawback on refund."""

from decimal import Decimal

from lenddesk.commissions.models import PartnerLine, StaffLine
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
from tests.partners.conftest import make_partner, set_depth

D = Decimal


def test_partner_paid_30000_in_a_month_has_5200_withheld(com):
    partner_plan(com, rates=("30", "0", "0"))
    p = make_partner(com["tenant"], actor=com["admin"], name="甲")
    rec = fee_order(com, "100000", partner=p)
    pay(com, rec, "60000")
    pay(com, rec, "40000")  # one month, one source: one payment of 30,000
    statement = partner_statement(com, p, this_month())
    assert statement.gross == D("30000.00")
    assert statement.taxable == D("24000.00")
    assert statement.tax == D("5200.00")
    assert statement.net == D("24800.00")
    assert statement.line_count == 2


def test_partner_paid_3000_has_440_withheld(com):
    partner_plan(com, rates=("30", "0", "0"))
    p = make_partner(com["tenant"], actor=com["admin"], name="乙")
    rec = fee_order(com, "10000", partner=p)
    pay(com, rec, "10000")
    statement = partner_statement(com, p, this_month())
    assert (statement.gross, statement.tax) == (D("3000.00"), D("440.00"))


def test_staff_line_traces_to_the_receipt(com):
    staff_plan(com)
    rec = fee_order(com, "6000")
    receipt = pay(com, rec, "6000")
    statement = staff_statement(com, com["s1"], this_month())
    with tenant_context(com["tenant"]):
        (line,) = StaffLine.objects.filter(statement=statement)
    assert line.receipt_id == receipt.pk and line.order_id == rec.order_id
    assert (line.role, line.base, line.amount) == ("owner", D("6000.00"), D("600.00"))
    assert statement.amount_total == D("600.00")


def test_refund_claws_back_staff_and_partner_and_recomputes_withholding(com):
    staff_plan(com)
    partner_plan(com, rates=("30", "0", "0"))
    p = make_partner(com["tenant"], actor=com["admin"], name="丙")
    rec = fee_order(com, "100000", partner=p)
    receipt = pay(com, rec, "100000")
    back = refund(com, rec, "50000", of=receipt)
    month = this_month()
    with tenant_context(com["tenant"]):
        claws = list(PartnerLine.objects.filter(receipt=back))
        staff_claws = list(StaffLine.objects.filter(receipt=back))
    assert [c.amount for c in claws] == [D("-15000.00")]
    assert [c.amount for c in staff_claws] == [D("-5000.00")]
    statement = partner_statement(com, p, month)
    assert statement.gross == D("15000.00")  # 30,000 − 15,000
    assert statement.tax == D("2400.00")  # 15,000 × 80 % × 20 %
    assert staff_statement(com, com["s1"], month).amount_total == D("5000.00")


def test_splits_go_to_owner_telemarketer_and_processor(com):
    staff_plan(com, shares=("50", "30", "20"))
    rec = fee_order(com, "10000", tele=com["t1"], proc=com["p1"])
    pay(com, rec, "10000")
    month = this_month()
    assert staff_statement(com, com["s1"], month).base_total == D("5000.00")
    assert staff_statement(com, com["t1"], month).base_total == D("3000.00")
    assert staff_statement(com, com["p1"], month).base_total == D("2000.00")


def test_share_of_a_role_nobody_holds_goes_to_the_owner(com):
    staff_plan(com, shares=("50", "30", "20"))
    rec = fee_order(com, "10000")
    pay(com, rec, "10000")
    statement = staff_statement(com, com["s1"], this_month())
    assert statement.base_total == D("10000.00")
    assert statement.line_count == 3


def _tree(com):
    admin, tenant = com["admin"], com["tenant"]
    top = make_partner(tenant, actor=admin, name="一级")
    mid = make_partner(tenant, actor=admin, upline=top, name="二级")
    low = make_partner(tenant, actor=admin, upline=mid, name="三级")
    return top, mid, low


def test_depth_three_pays_three_levels(com):
    set_depth(com["tenant"], com["admin"], 3)
    partner_plan(com, rates=("10", "5", "2"))
    top, mid, low = _tree(com)
    rec = fee_order(com, "10000", partner=low)
    pay(com, rec, "10000")
    month = this_month()
    assert partner_statement(com, low, month).gross == D("1000.00")
    assert partner_statement(com, mid, month).gross == D("500.00")
    assert partner_statement(com, top, month).gross == D("200.00")


def test_depth_caps_the_levels_paid(com):
    set_depth(com["tenant"], com["admin"], 3)
    partner_plan(com, rates=("10", "5", "2"))
    top, mid, low = _tree(com)
    set_depth(com["tenant"], com["admin"], 1)
    rec = fee_order(com, "10000", partner=low)
    pay(com, rec, "10000")
    month = this_month()
    assert partner_statement(com, low, month).gross == D("1000.00")
    assert partner_statement(com, mid, month) is None
    assert partner_statement(com, top, month) is None


def test_depth_two(com):
    set_depth(com["tenant"], com["admin"], 3)
    partner_plan(com, rates=("10", "5", "2"))
    top, mid, low = _tree(com)
    set_depth(com["tenant"], com["admin"], 2)
    pay(com, fee_order(com, "10000", partner=low), "10000")
    month = this_month()
    assert partner_statement(com, mid, month).gross == D("500.00")
    assert partner_statement(com, top, month) is None


def test_recruiting_earns_nothing(com):
    set_depth(com["tenant"], com["admin"], 3)
    partner_plan(com, rates=("10", "5", "2"))
    top, _mid, _low = _tree(com)  # two recruits under top
    with tenant_context(com["tenant"]):
        assert not PartnerLine.objects.exists()
    # and a receipt of an order top referred pays top only, nothing "down"
    pay(com, fee_order(com, "10000", partner=top), "10000")
    with tenant_context(com["tenant"]):
        assert set(
            PartnerLine.objects.values_list("statement__partner", flat=True)
        ) == {top.pk}


def test_unfunded_or_unreferred_orders_pay_no_partner(com):
    partner_plan(com)
    pay(com, fee_order(com, "10000"), "10000")
    with tenant_context(com["tenant"]):
        assert not PartnerLine.objects.exists()


def test_a_disabled_partner_earns_nothing_and_the_share_is_not_passed_on(com):
    from lenddesk.partners import services as partner_services

    set_depth(com["tenant"], com["admin"], 3)
    partner_plan(com, rates=("10", "5", "2"))
    top, mid, low = _tree(com)
    with tenant_context(com["tenant"]):
        partner_services.partner_change_status(
            actor=com["admin"], partner=mid, action="disable"
        )
    pay(com, fee_order(com, "10000", partner=low), "10000")
    month = this_month()
    assert partner_statement(com, low, month).gross == D("1000.00")
    assert partner_statement(com, mid, month) is None
    assert partner_statement(com, top, month).gross == D("200.00")  # still level 3
