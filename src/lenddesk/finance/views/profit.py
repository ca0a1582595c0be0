"""Profit (利润) per month, per channel and per order, each figure a link to the
rows behind it, and a chart comparing the months."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.acquisition.models import Channel
from lenddesk.finance import ledger
from lenddesk.finance.closing import month_start, next_month
from lenddesk.finance.costs import cost_kinds
from lenddesk.finance.models import ZERO, ClosedMonth
from lenddesk.finance.permissions import FinancePermission as P
from lenddesk.finance.services.close import clean_month
from lenddesk.finance.views.common import with_params
from lenddesk.orders.models import Order
from lenddesk.web.access import StaffView
from lenddesk.web.listing import list_page

MONTHS_SHOWN, MONTHS_MAX = 6, 24
VIEWS = {
    "month": (_("By month"), lambda r: r.month),
    "channel": (_("By channel"), lambda r: r.channel_id),
    "order": (_("By order"), lambda r: r.order_id),
}
NONE = "none"


def month_range(params) -> tuple[dt.date, dt.date]:
    """The months asked for (``from``/``to`` as YYYY-MM), the last six by default,
    at most 24; a month that cannot be read falls back to the default."""
    last = month_start(timezone.localdate())
    first = _months_before(last, MONTHS_SHOWN - 1)
    try:
        if params.get("to"):
            last = clean_month(params["to"])
        if params.get("from"):
            first = clean_month(params["from"])
    except ValidationError:  # a bad month shows the default range
        return _months_before(month_start(timezone.localdate()), 5), month_start(
            timezone.localdate()
        )
    if first > last:
        first, last = last, first
    return max(first, _months_before(last, MONTHS_MAX - 1)), last


def _months_before(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _labels(view: str, keys) -> dict:
    ids = [k for k in keys if k is not None]
    if view == "channel":
        found = dict(Channel.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {**found, None: _("No channel")}
    if view == "order":
        found = dict(Order.objects.filter(pk__in=ids).values_list("pk", "number"))
        return {**found, None: _("Not tied to an order")}
    return {k: k.strftime("%Y-%m") for k in ids}


def _lines(view: str, rows, months):
    lines = ledger.summarise(rows, key=VIEWS[view][1])
    if view == "month":
        for month in months:
            lines.setdefault(month, ledger.ProfitLine(key=month))
        return [lines[m] for m in months]
    ordered = sorted(lines.values(), key=lambda line: (-line.profit, str(line.key)))
    labels = _labels(view, [line.key for line in ordered])
    for line in ordered:
        line.label = labels.get(line.key, "—")
    return ordered


def _kinds(rows) -> dict:
    """The cost columns: every registered kind, then any other a source gave."""
    kinds = dict(cost_kinds())
    for row in rows:
        if row.kind != ledger.FEE and row.kind not in kinds:
            kinds[row.kind] = _("Other costs")
    return kinds


def _chart(lines) -> dict:
    return {
        "months": [line.key.strftime("%Y-%m") for line in lines],
        "fee": [str(line.fee) for line in lines],
        "cost": [str(line.cost_total) for line in lines],
        "profit": [str(line.profit) for line in lines],
        "names": {
            "fee": str(_("Fees received")),
            "cost": str(_("Costs")),
            "profit": str(_("Profit")),
        },
    }


class ProfitView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
        first, last = month_range(request.GET)
        rows = ledger.ledger_rows(request.user, first, last)
        months = _months(first, last)
        lines = _lines(view, rows, months)
        page = list_page(request, lines, per_page=50)
        kinds = _kinds(rows)
        for line in page.object_list:
            key = line.key
            line.cells = [(k, line.costs.get(k, ZERO)) for k in kinds]
            line.drill = with_params(
                request.GET,
                **{view: key.strftime("%Y-%m") if view == "month" else key or NONE},
                view=None,
            )
        month_lines = _lines("month", rows, months) if view == "month" else None
        return render(
            request,
            "finance/profit.html",
            {
                "title": _("Profit"),
                "view": view,
                "views": [(k, v[0]) for k, v in VIEWS.items()],
                "first": first,
                "last": last,
                "page": page,
                "kinds": kinds,
                "whole": ledger.whole(rows),
                "whole_cells": [
                    (k, ledger.whole(rows).costs.get(k, ZERO)) for k in kinds
                ],
                "chart": _chart(month_lines or _lines("month", rows, months)),
                "closed": set(ClosedMonth.objects.values_list("month", flat=True)),
                "range_query": with_params(request.GET, view=None),
                "page_query": with_params(request.GET),
            },
        )


def _matches(row, params) -> bool:
    month = params.get("month")
    if month and row.month.strftime("%Y-%m") != month:
        return False
    for name in ("channel", "order"):
        wanted = params.get(name)
        have = row.channel_id if name == "channel" else row.order_id
        if wanted and (wanted != NONE or have is not None) and wanted != str(have):
            return False
    kind = params.get("kind")
    return not kind or row.kind == kind


class ProfitRowsView(StaffView):
    """The rows behind one figure of the profit table."""

    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        params = request.GET
        first, last = month_range(params)
        if params.get("month"):
            with contextlib.suppress(ValidationError):  # unreadable: the range
                first = last = clean_month(params["month"])
        rows = [
            r
            for r in ledger.ledger_rows(request.user, first, last)
            if _matches(r, params)
        ]
        kinds = {ledger.FEE: _("Fees received"), **_kinds(rows)}
        return render(
            request,
            "finance/profit_rows.html",
            {
                "title": _("Rows behind the figure"),
                "page": list_page(request, rows, per_page=100),
                "whole": ledger.whole(rows),
                "kinds": kinds,
                "first": first,
                "last": last,
                "back_query": with_params(
                    params, month=None, channel=None, order=None, kind=None
                ),
                "page_query": with_params(params),
            },
        )
