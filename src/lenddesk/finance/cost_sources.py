"""Finance's own cost sources: channel spend (recorded in acquisition) and other
expenses. Registered from ``apps.py``; commissions registers its own.

Channel spend counts in the month its period starts in; a spend entered after that
month was closed counts in the first month still open when it was entered, so a
closed month's figures never change.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lenddesk.acquisition.models import AdSpend
from lenddesk.finance.closing import month_start, next_month
from lenddesk.finance.costs import CostRow, register_cost_kind, register_cost_source
from lenddesk.finance.models import ClosedMonth, OtherExpense

CHANNEL_SPEND = "channel_spend"
OTHER = "other"
LOOKBACK_MONTHS = 24


def _spend_month(month: dt.date, entered_at, closed: dict) -> dt.date:
    while month in closed and closed[month] <= entered_at:
        month = next_month(month)
    return month


def channel_spend_rows(actor, first: dt.date, last: dt.date) -> list[CostRow]:
    closed = dict(ClosedMonth.objects.values_list("month", "closed_at"))
    earliest = first.replace(year=first.year - LOOKBACK_MONTHS // 12)
    spends = (
        AdSpend.objects.filter(
            period_start__gte=earliest, period_start__lt=next_month(last)
        )
        .select_related("ad_account", "ad_account__channel")
        .order_by("period_start", "id")
    )
    url = reverse("acquisition:spend")
    rows = []
    for spend in spends:
        month = _spend_month(month_start(spend.period_start), spend.created_at, closed)
        if first <= month <= last:
            rows.append(
                CostRow(
                    kind=CHANNEL_SPEND,
                    month=month,
                    amount=spend.amount,
                    label="%s · %s %s"
                    % (
                        spend.ad_account.channel.name,
                        spend.ad_account.name,
                        spend.campaign or "",
                    ),
                    url=url,
                    channel_id=spend.ad_account.channel_id,
                )
            )
    return rows


def other_expense_rows(actor, first: dt.date, last: dt.date) -> list[CostRow]:
    expenses = (
        OtherExpense.objects.filter(period__gte=first, period__lte=last)
        .select_related("order")
        .order_by("period", "id")
    )
    url = reverse("finance:expenses")
    return [
        CostRow(
            kind=OTHER,
            month=e.period,
            amount=e.amount,
            label="%s %s%s"
            % (
                e.category,
                e.occurred_on.isoformat(),
                (" · " + e.order.number) if e.order_id else "",
            ),
            url="%s?id=%d" % (url, e.pk),
            order_id=e.order_id,
            channel_id=e.channel_id,
        )
        for e in expenses
    ]


def register() -> None:
    register_cost_kind(CHANNEL_SPEND, _("Channel spend"))
    register_cost_source(channel_spend_rows)
    register_cost_kind(OTHER, _("Other expenses"))
    register_cost_source(other_expense_rows)
