"""Receivables and receipts (应收/回款): the fee from each kind of fee terms when the
loan is disbursed, partial receipts, refunds, write-offs, the guardrails each refused
with its message and nothing changed, aging buckets, the data scope, and the signal
commissions listens to."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lenddesk.audit.models import AuditEvent
from lenddesk.finance import selectors
from lenddesk.finance.models import Receipt, Receivable, ReceivableStatus
from lenddesk.finance.services import (
    account_set_active,
    policy_update,
    receivable_for_disbursement,
    receivable_of_order,
    receivables_sync,
    refund_record,
    writeoff_record,
)
from lenddesk.finance.signals import receipt_recorded
from lenddesk.orders.models import Disbursement
from lenddesk.tenancy.context import tenant_context
from tests.finance.conftest import approved_order, disburse, receivable, receive


def messages_of(exc: ValidationError, field: str) -> str:
    return " ".join(exc.value.message_dict[field])


# --- the fee ------------------------------------------------------------------------


def test_rate_fee_is_rate_times_disbursed_amount_half_up(fin):
    rec = receivable(fin, amount="123456.78", fee_rate=Decimal("1.2345"))
    # 123456.78 × 1.2345 % = 1524.07394… → 1524.07
    assert rec.amount == Decimal("1524.07")
    assert rec.outstanding == rec.amount and rec.status == ReceivableStatus.OPEN
    assert rec.basis == {
        "fee_kind": "rate",
        "disbursed": "123456.78",
        "rate": "1.2345",
    }


def test_rate_fee_counts_the_disbursed_not_the_approved_amount(fin):
    rec = receivable(fin, amount="300000", disbursed="250000", fee_rate=Decimal("2.5"))
    assert rec.amount == Decimal("6250.00")


def test_fixed_fee(fin):
    rec = receivable(fin, fee_kind="fixed", fee_rate=None, fee_fixed=Decimal("8800"))
    assert rec.amount == Decimal("8800.00")
    assert rec.basis["fixed"] == "8800.00"


@pytest.mark.parametrize(
    ("amount", "fee", "tier"),
    [
        ("400000", "8000.00", 0),  # 2 % of the whole amount
        ("500000", "10000.00", 0),  # the cap belongs to its tier
        ("600000", "9000.00", 1),  # 1.5 % of the whole amount, not marginal
        ("2000000", "20000.00", 2),
    ],
)
def test_tiered_fee_takes_the_rate_of_the_tier_the_whole_amount_falls_in(
    fin, amount, fee, tier
):
    tiers = [
        {"up_to": "500000.00", "rate": "2.0000"},
        {"up_to": "1000000.00", "rate": "1.5000"},
        {"up_to": None, "rate": "1.0000"},
    ]
    rec = receivable(
        fin, amount=amount, fee_kind="tiered", fee_rate=None, fee_tiers=tiers
    )
    assert rec.amount == Decimal(fee)
    assert rec.basis["tier"] == tier


def _recorded_before_the_hook(fin, order) -> None:
    """A loan disbursed before orders told finance: its fee is not there yet."""
    with tenant_context(fin["tenant"]):
        Receivable.objects.filter(order=order).delete()


def test_one_receivable_per_order_and_the_sync_fills_in_the_missing(fin):
    order = approved_order(fin)
    disbursement = disburse(fin, order)
    _recorded_before_the_hook(fin, order)
    with tenant_context(fin["tenant"]):
        assert receivables_sync() == 1
        assert receivables_sync() == 0  # idempotent
        first = Receivable.objects.get(order=order)
        assert receivable_for_disbursement(disbursement).pk == first.pk
        assert Receivable.objects.filter(order=order).count() == 1
        # the one made at disbursement (removed above) and the one the sync made
        assert (
            AuditEvent.objects.filter(action="finance.receivable_created").count() == 2
        )


# --- receipts, refunds, write-offs --------------------------------------------------


def test_partial_receipts_until_settled(fin):
    rec = receivable(fin)  # 6000.00
    receive(fin, rec, "2500.50", invoice_no="FP001")
    receive(fin, rec, "3499.50", invoice_no="FP002")
    with tenant_context(fin["tenant"]):
        rec.refresh_from_db()
        assert (rec.received, rec.outstanding) == (Decimal("6000.00"), Decimal("0.00"))
        assert rec.status == ReceivableStatus.SETTLED
        assert AuditEvent.objects.filter(action="finance.receipt_recorded").count() == 2


def test_a_receipt_above_what_is_owed_is_refused_and_changes_nothing(fin):
    rec = receivable(fin)
    receive(fin, rec, "5000")
    with pytest.raises(ValidationError) as exc:
        receive(fin, rec, "1000.01")
    assert "1000.00" in messages_of(exc, "amount")
    assert exc.value.code == "over_receipt"
    with tenant_context(fin["tenant"]):
        rec.refresh_from_db()
        assert rec.outstanding == Decimal("1000.00")
        assert Receipt.objects.count() == 1


def test_refund_never_more_than_received_net_of_refunds(fin):
    rec = receivable(fin)
    first = receive(fin, rec, "4000")
    with tenant_context(fin["tenant"]):
        refund_record(
            actor=fin["f1"],
            receivable=rec,
            amount="1500",
            occurred_on=timezone.localdate(),
            account=fin["account"],
            refund_of=first.pk,
        )
        with pytest.raises(ValidationError) as exc:
            refund_record(
                actor=fin["f1"],
                receivable=rec,
                amount="2500.01",
                occurred_on=timezone.localdate(),
                account=fin["account"],
            )
        assert exc.value.code == "over_refund"
        assert "2500.00" in messages_of(exc, "amount")
        rec.refresh_from_db()
        assert rec.received == Decimal("2500.00")
        assert rec.outstanding == Decimal("3500.00")
        assert rec.status == ReceivableStatus.OPEN
        assert Receipt.objects.filter(kind="refund").count() == 1


def test_write_off_the_rest(fin):
    rec = receivable(fin)
    receive(fin, rec, "1000")
    with tenant_context(fin["tenant"]):
        with pytest.raises(ValidationError) as exc:
            writeoff_record(
                actor=fin["f1"],
                receivable=rec,
                occurred_on=timezone.localdate(),
                note="",
            )
        assert "note" in exc.value.message_dict
        row = writeoff_record(
            actor=fin["f1"],
            receivable=rec,
            occurred_on=timezone.localdate(),
            note="客户失联",
        )
        assert row.amount == Decimal("5000.00") and row.account is None
        rec.refresh_from_db()
        assert rec.status == ReceivableStatus.WRITTEN_OFF
        assert (rec.received, rec.written_off, rec.outstanding) == (
            Decimal("1000.00"),
            Decimal("5000.00"),
            Decimal("0.00"),
        )
        with pytest.raises(ValidationError) as exc:
            writeoff_record(
                actor=fin["f1"],
                receivable=rec,
                occurred_on=timezone.localdate(),
                note="x",
            )
        assert exc.value.code == "nothing_owed"


# --- guardrails -----------------------------------------------------------------------


def test_no_fee_before_approval(fin):
    order = approved_order(fin)  # approved, not yet disbursed: no receivable
    with tenant_context(fin["tenant"]), pytest.raises(ValidationError) as exc:
        receivable_of_order(order)
    assert exc.value.code == "fee_before_approval"
    assert "审批通过前不收费" in messages_of(exc, "order")


def test_no_receivable_from_a_disbursement_without_an_approval(fin):
    order = approved_order(fin)
    disbursement = disburse(fin, order)
    _recorded_before_the_hook(fin, order)
    with tenant_context(fin["tenant"]):
        Disbursement.objects.filter(pk=disbursement.pk).update(submission=None)
        disbursement.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            receivable_for_disbursement(disbursement)
        assert exc.value.code == "fee_before_approval"
        assert not Receivable.objects.exists()


def test_receipts_only_into_registered_active_accounts(fin):
    rec = receivable(fin)
    with tenant_context(fin["tenant"]):
        account_set_active(actor=fin["admin"], account=fin["account"], active=False)
    with pytest.raises(ValidationError) as exc:
        receive(fin, rec, "100")
    assert exc.value.code == "account_not_registered"
    assert "已登记" in messages_of(exc, "account")
    with tenant_context(fin["tenant"]):
        assert not Receipt.objects.exists()


def test_invoice_number_required_above_the_threshold(fin):
    rec = receivable(fin)
    with tenant_context(fin["tenant"]):
        policy_update(actor=fin["admin"], invoice_threshold="1000")
    receive(fin, rec, "1000")  # at the threshold: fine
    with pytest.raises(ValidationError) as exc:
        receive(fin, rec, "1000.01")
    assert exc.value.code == "invoice_required"
    assert "1000.00" in messages_of(exc, "invoice_no")
    receive(fin, rec, "1000.01", invoice_no="FP-2026-01")


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("amount", {"amount": "-5"}),
        ("amount", {"amount": "abc"}),
        ("amount", {"amount": "1e400"}),
        ("occurred_on", {"day": timezone.localdate() + dt.timedelta(days=1)}),
        ("reference", {"reference": "x" * 81}),
    ],
)
def test_bad_input_names_the_field(fin, field, values):
    rec = receivable(fin)
    amount = values.pop("amount", "100")
    with pytest.raises(ValidationError) as exc:
        receive(fin, rec, amount, **values)
    assert field in exc.value.message_dict


# --- aging, scope -----------------------------------------------------------------------


def test_aging_buckets_count_and_sum_what_is_outstanding(fin):
    for days in (0, 30, 31, 60, 61, 90, 91, 400):
        receivable(fin, amount="100000", days_ago=days)  # 2000.00 each
    partly = receivable(fin, amount="100000", days_ago=45)
    receive(fin, partly, "500")
    with tenant_context(fin["tenant"]):
        buckets = {
            b["key"]: (b["count"], b["sum"])
            for b in selectors.aging_summary(fin["f1"], selectors.ReceivableFilters())
        }
        assert buckets == {
            "0_30": (2, Decimal("4000.00")),
            "31_60": (3, Decimal("5500.00")),
            "61_90": (2, Decimal("4000.00")),
            "over_90": (2, Decimal("4000.00")),
        }
        rows = selectors.receivable_list(
            fin["f1"], selectors.ReceivableFilters(aging="over_90")
        )
        assert sorted(r.due_on for r in rows) == [
            timezone.localdate() - dt.timedelta(days=d) for d in (400, 91)
        ]


def test_a_salesperson_sees_only_the_fees_of_their_own_orders(fin):
    mine = receivable(fin, owner=fin["s1"])
    receivable(fin, owner=fin["s2"])
    with tenant_context(fin["tenant"]):
        seen = selectors.receivable_list(fin["s1"], selectors.ReceivableFilters())
        assert [r.pk for r in seen] == [mine.pk]
        assert (
            selectors.receivable_list(fin["f1"], selectors.ReceivableFilters()).count()
            == 2
        )


# --- the signal commissions listens to --------------------------------------------------


def test_each_kind_is_signalled_inside_the_recording_transaction(fin):
    rec = receivable(fin)
    seen = []

    def listener(sender, receipt, actor, **kwargs):
        # Inside the transaction: the row and the receivable's new figures are there.
        stored = Receipt.objects.get(pk=receipt.pk)
        holder = Receivable.objects.get(pk=receipt.receivable_id)
        seen.append((stored.kind, stored.amount, holder.outstanding, actor.username))

    receipt_recorded.connect(listener)
    try:
        first = receive(fin, rec, "1000")
        with tenant_context(fin["tenant"]):
            refund_record(
                actor=fin["f1"],
                receivable=rec,
                amount="400",
                occurred_on=timezone.localdate(),
                account=fin["account"],
                refund_of=first,
            )
            writeoff_record(
                actor=fin["f1"],
                receivable=rec,
                amount="100",
                occurred_on=timezone.localdate(),
                note="减免",
            )
    finally:
        receipt_recorded.disconnect(listener)
    assert seen == [
        ("receipt", Decimal("1000.00"), Decimal("5000.00"), "ff1"),
        ("refund", Decimal("400.00"), Decimal("5400.00"), "ff1"),
        ("writeoff", Decimal("100.00"), Decimal("5300.00"), "ff1"),
    ]


def test_a_listener_that_refuses_rolls_the_receipt_back(fin):
    rec = receivable(fin)

    def refuse(sender, receipt, actor, **kwargs):
        raise ValidationError("commission plan missing", code="no_plan")

    receipt_recorded.connect(refuse)
    try:
        with pytest.raises(ValidationError):
            receive(fin, rec, "1000")
    finally:
        receipt_recorded.disconnect(refuse)
    with tenant_context(fin["tenant"]):
        rec.refresh_from_db()
        assert rec.outstanding == Decimal("6000.00")
        assert not Receipt.objects.exists()


def test_the_daily_task_makes_the_missing_receivables_of_firms_with_finance(fin):
    from lenddesk.finance.tasks import receivables_sync_task

    order = approved_order(fin)
    disburse(fin, order)
    _recorded_before_the_hook(fin, order)
    assert receivables_sync_task() == 1
    assert receivables_sync_task() == 0
    with tenant_context(fin["tenant"]):
        assert Receivable.objects.get(order=order).amount == Decimal("6000.00")


def test_recording_a_disbursement_makes_the_fee_owed_at_once(fin):
    """orders.signals.disbursement_recorded → finance: no waiting for the daily sync."""
    order = approved_order(fin, amount="300000")
    disburse(fin, order)
    with tenant_context(fin["tenant"]):
        fee = Receivable.objects.get(order_id=order.pk)
        assert fee.amount == Decimal("6000.00")  # 2 % of 300,000
