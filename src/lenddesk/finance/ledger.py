"""The rows behind profit: fees received (net of refunds) and every registered cost,
each in the month it counts in; and the totals made from them.

Profit = fees received − refunds − costs. Every figure is a plain sum of rows (no
rounding after the rows'), so each total recomputes exactly from its lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.finance.costs import CostRow, cost_rows
from lenddesk.finance.models import ZERO, Receipt, ReceiptKind, Receivable
from lenddesk.orders.models import Order

FEE = "fee"


def fee_rows(actor, first: dt.date, last: dt.date) -> list[CostRow]:
    """Receipts (+) and refunds (−) the actor may see, by the month they count in."""
    receipts = (
        Receipt.objects.visible_to(actor)
        .filter(period__gte=first, period__lte=last)
        .exclude(kind=ReceiptKind.WRITEOFF)
        .values_list(
            "kind",
            "amount",
            "period",
            "occurred_on",
            "order_id",
            "order__number",
            "order__channel_id",
            "receivable_id",
        )
        .order_by("period", "id")
    )
    names = {ReceiptKind.RECEIPT: _("receipt"), ReceiptKind.REFUND: _("refund")}
    page = reverse("finance:receivable", args=[0]).replace("/0/", "/%d/")
    rows = []
    for kind, amount, period, day, order_id, number, channel_id, rid in receipts:
        rows.append(
            CostRow(
                kind=FEE,
                month=period,
                amount=amount if kind == ReceiptKind.RECEIPT else -amount,
                label="%s · %s %s" % (number, names[kind], day.isoformat()),
                url=page % rid,
                order_id=order_id,
                channel_id=channel_id,
            )
        )
    return rows


def _with_channels(rows: list[CostRow]) -> list[CostRow]:
    """Rows of an order with no channel of their own take the order's channel."""
    missing = {r.order_id for r in rows if r.order_id and r.channel_id is None}
    if not missing:
        return rows
    channels = dict(
        Order.objects.filter(pk__in=missing).values_list("pk", "channel_id")
    )
    return [
        CostRow(
            kind=r.kind,
            month=r.month,
            amount=r.amount,
            label=r.label,
            url=r.url,
            order_id=r.order_id,
            channel_id=channels.get(r.order_id),
        )
        if r.order_id and r.channel_id is None
        else r
        for r in rows
    ]


def ledger_rows(actor, first: dt.date, last: dt.date) -> list[CostRow]:
    return _with_channels(fee_rows(actor, first, last) + cost_rows(actor, first, last))


@dataclass
class ProfitLine:
    key: object
    label: str = ""
    fee: Decimal = ZERO
    costs: dict[str, Decimal] = field(default_factory=dict)
    rows: int = 0

    @property
    def cost_total(self) -> Decimal:
        return sum(self.costs.values(), ZERO)

    @property
    def profit(self) -> Decimal:
        return self.fee - self.cost_total

    def add(self, row: CostRow) -> None:
        self.rows += 1
        if row.kind == FEE:
            self.fee += row.amount
        else:
            self.costs[row.kind] = self.costs.get(row.kind, ZERO) + row.amount


def summarise(rows: list[CostRow], key) -> dict[object, ProfitLine]:
    """The rows grouped by ``key(row)``, each group's fee, costs and profit."""
    lines: dict[object, ProfitLine] = {}
    for row in rows:
        k = key(row)
        if k not in lines:
            lines[k] = ProfitLine(key=k)
        lines[k].add(row)
    return lines


def whole(rows: list[CostRow]) -> ProfitLine:
    line = ProfitLine(key=None)
    for row in rows:
        line.add(row)
    return line


def _money(value) -> str:
    """Exact: every amount already has two places (SQLite's sums may drop them)."""
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def month_totals(actor, month: dt.date) -> dict:
    """What a month's close stores: fees accrued, received, refunded, written off,
    each cost kind, and profit (amounts as strings, exact)."""
    receipts = dict(
        Receipt.objects.filter(period=month)
        .values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    accrued = Receivable.objects.filter(period=month).aggregate(
        total=Sum("amount"), count=Count("id")
    )
    line = whole(ledger_rows(actor, month, month))
    received = receipts.get(ReceiptKind.RECEIPT) or ZERO
    refunded = receipts.get(ReceiptKind.REFUND) or ZERO
    return {
        "fees_accrued": _money(accrued["total"]),
        "receivables": accrued["count"],
        "received": _money(received),
        "refunded": _money(refunded),
        "written_off": _money(receipts.get(ReceiptKind.WRITEOFF)),
        "net_received": _money(received - refunded),
        "costs": {kind: _money(v) for kind, v in sorted(line.costs.items())},
        "cost_total": _money(line.cost_total),
        "profit": _money(line.profit),
    }
