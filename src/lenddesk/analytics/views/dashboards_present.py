"""A dashboard's numbers as the page shows them: formatted cells with the link behind
each number, the key numbers with their change against last month, the chart's data,
and the quick ranges of the filter bar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.analytics.selectors import DASHBOARDS, Dashboard, Filters, Table, Tile
from lenddesk.analytics.selectors.common import DECIMAL, MONEY, PERCENT, TEXT


def number_text(value, kind: str) -> str:
    """One number as the page writes it: ``12,345``, ``1,234.50``, ``12.5%``, or a
    dash for none."""
    if value is None:
        return "—"
    if kind == PERCENT:
        return "%s%%" % value
    if isinstance(value, Decimal) or kind in (MONEY, DECIMAL):
        return f"{Decimal(value):,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _cells(table: Table, values: dict, links: dict) -> list[dict]:
    return [
        {
            "text": number_text(values.get(c.key), c.kind),
            "url": links.get(c.key, ""),
            "numeric": c.kind != TEXT,
            "negative": isinstance(values.get(c.key), Decimal) and values[c.key] < 0,
        }
        for c in table.columns
    ]


FLAGS = {"loss": gettext_lazy("Lost money"), "late": gettext_lazy("Overdue")}


def present_table(table: Table) -> dict:
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "headers": [
            {"key": c.key, "label": c.label, "numeric": c.kind != TEXT}
            for c in table.columns
        ],
        "rows": [
            {
                "cells": _cells(table, values, links),
                "flag": flag,
                "flag_label": FLAGS.get(flag, ""),
            }
            for values, links, flag in zip(
                table.rows, table.links, table.flags, strict=True
            )
        ],
        "total": _cells(table, table.total, table.total_links) if table.total else None,
        "width": len(table.columns),
    }


def present_tile(tile: Tile) -> dict:
    direction = ""
    if tile.change is not None:
        direction = "up" if tile.change > 0 else "down" if tile.change < 0 else "flat"
    return {
        "key": tile.key,
        "label": tile.label,
        "text": number_text(tile.value, tile.kind),
        "url": tile.url,
        "alert": tile.alert,
        "group": tile.group,
        "previous": number_text(tile.previous, tile.kind)
        if tile.previous is not None
        else "",
        "change": "%s%%" % abs(tile.change) if tile.change is not None else "",
        "has_previous": tile.previous is not None,
        "direction": direction,
    }


def quick_ranges(f: Filters, department_id: int | None) -> list[dict]:
    """本月, 上月, the last 7 and 30 days, this year: links keeping the department."""
    today = timezone.localdate()
    month = today.replace(day=1)
    last_month = month - relativedelta(months=1)
    ranges = [
        (_("This month"), month, today),
        (_("Last month"), last_month, month - dt.timedelta(days=1)),
        (_("Last 7 days"), today - dt.timedelta(days=6), today),
        (_("Last 30 days"), today - dt.timedelta(days=29), today),
        (_("This year"), today.replace(month=1, day=1), today),
    ]
    links, found = [], False
    for label, first, last in ranges:
        active = not found and (first, last) == (f.date_from, f.date_to)
        found = found or active
        query = {"from": first.isoformat(), "to": last.isoformat()}
        if department_id:
            query["department"] = department_id
        links.append({"label": label, "query": urlencode(query), "active": active})
    return links


def filter_query(f: Filters) -> str:
    params = {"from": f.date_from.isoformat(), "to": f.date_to.isoformat()}
    if f.department_id:
        params["department"] = f.department_id
    return urlencode(params)


def dashboard_url(key: str, *, export: bool = False) -> str:
    return reverse("analytics:%s%s" % (key, "_export" if export else ""))


def tabs_for(user, current: str, query: str) -> list[dict]:
    """The dashboards this user may open, for the tab bar (keeping the filters)."""
    return [
        {
            "key": spec.key,
            "title": spec.title,
            "active": spec.key == current,
            "url": "%s?%s" % (dashboard_url(spec.key), query),
        }
        for spec in DASHBOARDS.values()
        if user.has_any_code(*spec.codes)
    ]


def freshness_text(minutes: int | None) -> str:
    if minutes is None:
        return _("The numbers have not been computed yet.")
    if minutes < 1:
        return _("Data updated just now")
    if minutes < 120:
        return _("Data updated %(n)d minutes ago") % {"n": minutes}
    return _("Data updated %(n)d hours ago") % {"n": minutes // 60}


def present(board: Dashboard) -> dict:
    tiles = [present_tile(t) for t in board.tiles]
    return {
        "todo_tiles": [t for t in tiles if t["group"] == "todo"],
        "tiles": [t for t in tiles if t["group"] != "todo"],
        "tables": [present_table(t) for t in board.tables],
        "chart": board.chart,
        "notes": board.notes,
    }
