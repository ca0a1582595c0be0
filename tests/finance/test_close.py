"""Month-end close (月结) and profit: a closed month's totals are stored once and never
change; a correction dated in a closed month counts in the next open month; the close
steps of other apps run inside the close; every total recomputes from its lines."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenddesk.acquisition.models import AdAccount, AdSpend, Channel
from lenddesk.finance import closing, ledger
from lenddesk.finance.closing import month_is_closed, period_for, register_close_step
from lenddesk.finance.costs import CostRow
from lenddesk.finance.models import ClosedMonth, Receipt, Receivable
from lenddesk.finance.services import (
    expense_record,
    month_close,
    refund_record,
    writeoff_record,
)
from lenddesk.tenancy.context import tenant_context
from tests.finance.conftest import receivable, receive

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)
IN_LAST_MONTH = LAST_MONTH + dt.timedelta(days=4)


def days_ago(day: dt.date) -> int:
    return (TODAY - day).days


@pytest.fixture
def last_month_books(fin):
    """Last month: a fee of 6000 disbursed, 4000 received, 500 other expenses and
    1200 channel spend."""
    rec = receivable(fin, days_ago=days_ago(IN_LAST_MONTH))
    receive(fin, rec, "4000", day=IN_LAST_MONTH)
    with tenant_context(fin["tenant"]):
        expense_record(
            actor=fin["f1"],
            category="快递",
            amount="500",
            occurred_on=IN_LAST_MONTH,
            order=rec.order_id,
        )
        channel = Channel.objects.create(name="抖音")
        ad = AdAccount.objects.create(channel=channel, name="抖音1号")
        AdSpend.objects.create(
            ad_account=ad,
            period_start=IN_LAST_MONTH,
            period_end=IN_LAST_MONTH,
            amount=Decimal("1200.00"),
        )
    fin["rec"], fin["channel"] = rec, channel
    return fin


def test_close_stores_the_months_totals(last_month_books):
    w = last_month_books
    with tenant_context(w["tenant"]):
        closed = month_close(actor=w["f1"], month=LAST_MONTH.strftime("%Y-%m"))
    assert closed.totals == {
        "fees_accrued": "6000.00",
        "receivables": 1,
        "received": "4000.00",
        "refunded": "0.00",
        "written_off": "0.00",
        "net_received": "4000.00",
        "costs": {"channel_spend": "1200.00", "other": "500.00"},
        "cost_total": "1700.00",
        "profit": "2300.00",
    }


def test_a_correction_after_close_lands_in_the_next_month(last_month_books):
    w = last_month_books
    with tenant_context(w["tenant"]):
        closed = month_close(actor=w["f1"], month=LAST_MONTH)
        before = dict(closed.totals)
        assert month_is_closed(LAST_MONTH) and not month_is_closed(THIS_MONTH)
        assert period_for(IN_LAST_MONTH) == THIS_MONTH
        # Corrections dated in the closed month: a refund, a write-off, an expense,
        # late channel spend.
        refund = refund_record(
            actor=w["f1"],
            receivable=w["rec"],
            amount="300",
            occurred_on=IN_LAST_MONTH,
            account=w["account"],
        )
        writeoff = writeoff_record(
            actor=w["f1"],
            receivable=w["rec"],
            amount="100",
            occurred_on=IN_LAST_MONTH,
            note="减免",
        )
        expense = expense_record(
            actor=w["f1"], category="估价", amount="80", occurred_on=IN_LAST_MONTH
        )
        ad = AdAccount.objects.get()
        AdSpend.objects.create(
            ad_account=ad,
            campaign="补录",
            period_start=IN_LAST_MONTH,
            period_end=IN_LAST_MONTH,
            amount=Decimal("50.00"),
        )
        assert refund.period == writeoff.period == expense.period == THIS_MONTH
        assert ClosedMonth.objects.get(month=LAST_MONTH).totals == before
        # Recomputing the closed month today gives the stored totals.
        assert ledger.month_totals(w["f1"], LAST_MONTH) == before
        now = ledger.month_totals(w["f1"], THIS_MONTH)
    assert now["refunded"] == "300.00" and now["written_off"] == "100.00"
    assert now["costs"] == {"channel_spend": "50.00", "other": "80.00"}
    assert now["profit"] == "-430.00"


def test_close_refusals(last_month_books):
    w = last_month_books
    with tenant_context(w["tenant"]):
        with pytest.raises(ValidationError) as exc:
            month_close(actor=w["f1"], month=THIS_MONTH)
        assert exc.value.code == "month_not_over"
        with pytest.raises(ValidationError) as exc:
            month_close(actor=w["f1"], month="2026-13")
        assert "month" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:  # sees only their own orders
            month_close(actor=w["s1"], month=LAST_MONTH)
        assert exc.value.code == "scope_too_narrow"
        month_close(actor=w["f1"], month=LAST_MONTH)
        with pytest.raises(ValidationError) as exc:
            month_close(actor=w["f1"], month=LAST_MONTH)
        assert exc.value.code == "month_closed"


def test_close_steps_run_inside_and_may_refuse(last_month_books, monkeypatch):
    w = last_month_books
    calls = []
    monkeypatch.setattr(closing, "_STEPS", [])

    def step(actor, month):
        calls.append((actor.username, month, month_is_closed(month)))
        if len(calls) == 1:
            raise ValidationError("statements not approved", code="statements_open")

    register_close_step(step)
    with tenant_context(w["tenant"]):
        with pytest.raises(ValidationError):
            month_close(actor=w["f1"], month=LAST_MONTH)
        assert not month_is_closed(LAST_MONTH)  # rolled back
        month_close(actor=w["f1"], month=LAST_MONTH)
    assert calls == [("ff1", LAST_MONTH, True), ("ff1", LAST_MONTH, True)]


def test_profit_per_channel_and_order_drills_to_its_rows(last_month_books):
    w = last_month_books
    with tenant_context(w["tenant"]):
        from lenddesk.orders.models import Order

        Order.objects.filter(pk=w["rec"].order_id).update(channel=w["channel"])
        rows = ledger.ledger_rows(w["f1"], LAST_MONTH, LAST_MONTH)
    by_channel = ledger.summarise(rows, key=lambda r: r.channel_id)
    line = by_channel[w["channel"].pk]
    assert (line.fee, line.cost_total, line.profit) == (
        Decimal("4000.00"),
        Decimal("1700.00"),
        Decimal("2300.00"),
    )
    by_order = ledger.summarise(rows, key=lambda r: r.order_id)
    assert by_order[w["rec"].order_id].profit == Decimal("3500.00")
    assert by_order[None].costs == {"channel_spend": Decimal("1200.00")}


# --- every total recomputes exactly from its lines ---------------------------------------

amounts = st.decimals(
    min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2
)
kinds = st.sampled_from([ledger.FEE, "channel_spend", "commission", "other"])
rows_strategy = st.lists(
    st.builds(
        CostRow,
        kind=kinds,
        month=st.sampled_from([LAST_MONTH, THIS_MONTH]),
        amount=amounts,
        label=st.just("x"),
        order_id=st.sampled_from([None, 1, 2, 3]),
        channel_id=st.sampled_from([None, 7, 8]),
    ),
    max_size=40,
)


@given(rows_strategy)
def test_every_group_total_is_the_sum_of_its_rows(rows):
    for key in (lambda r: r.month, lambda r: r.channel_id, lambda r: r.order_id):
        lines = ledger.summarise(rows, key=key)
        whole = ledger.whole(rows)
        assert sum((line.fee for line in lines.values()), Decimal(0)) == whole.fee
        assert sum((line.profit for line in lines.values()), Decimal(0)) == whole.profit
        for k, line in lines.items():
            mine = [r for r in rows if key(r) == k]
            assert line.fee == sum(
                (r.amount for r in mine if r.kind == "fee"), Decimal(0)
            )
            assert line.cost_total == sum(
                (r.amount for r in mine if r.kind != "fee"), Decimal(0)
            )
            assert line.profit == line.fee - line.cost_total
            assert line.rows == len(mine)


operations = st.lists(
    st.tuples(
        st.sampled_from(["receipt", "refund", "writeoff"]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("7000"), places=2),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_receivable_figures_recompute_from_its_receipt_rows(fin_one, ops):
    w, rec = fin_one
    with tenant_context(w["tenant"]), transaction.atomic():
        for kind, amount in ops:
            with contextlib.suppress(ValidationError):  # a refused one changes nothing
                _apply(w, rec, kind, amount)
        stored = Receivable.objects.get(pk=rec.pk)
        rows = list(Receipt.objects.filter(receivable=rec))
        received = sum((r.signed_amount for r in rows), Decimal(0))
        written = sum((r.amount for r in rows if r.kind == "writeoff"), Decimal(0))
        assert stored.received == received >= 0
        assert stored.written_off == written
        assert stored.outstanding == stored.amount - received - written >= 0
        totals = ledger.month_totals(w["f1"], THIS_MONTH)
        assert Decimal(totals["net_received"]) == received
        assert Decimal(totals["written_off"]) == written
        transaction.set_rollback(True)


def _apply(w, rec, kind, amount):
    common = {"actor": w["f1"], "receivable": rec, "occurred_on": TODAY}
    if kind == "receipt":
        receive(w, rec, amount)
    elif kind == "refund":
        refund_record(amount=amount, account=w["account"], **common)
    else:
        writeoff_record(amount=amount, note="减免", **common)


@pytest.fixture
def fin_one(fin):
    return fin, receivable(fin, days_ago=0)  # 6000.00 this month
