"""Fees over time (收费趋势): fees collected and loans disbursed by day or month, and by
department (each department with everything below it)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.accounts.models import Department, User
from lenddesk.analytics.selectors.common import (
    INT,
    MONEY,
    TEXT,
    Column,
    Dashboard,
    Filters,
    Table,
    Tile,
    amount_of,
    change,
    department_choices,
    drill,
    n_of,
    period_filters,
    period_label,
    periods,
    pivot,
    totals,
)

FEE_METRICS = ("fees", "disbursed")
# column key → (metric, whether the number is the metric's amount)
FEE_SOURCES = {
    "fees": ("fees", True),
    "receipts": ("fees", False),
    "disbursed_amount": ("disbursed", True),
    "disbursed_n": ("disbursed", False),
}


def _columns(first: Column) -> list[Column]:
    return [
        first,
        Column("fees", gettext_lazy("Fees collected"), MONEY),
        Column("receipts", gettext_lazy("Receipts"), INT),
        Column("disbursed_amount", gettext_lazy("Amount disbursed"), MONEY),
        Column("disbursed_n", gettext_lazy("Loans disbursed"), INT),
    ]


PERIOD_COLUMNS = _columns(Column("period", gettext_lazy("Period"), TEXT))
DEPARTMENT_COLUMNS = _columns(Column("department", gettext_lazy("Department"), TEXT))


def _values(group: dict) -> dict:
    return {
        key: amount_of(group, metric) if is_amount else n_of(group, metric)
        for key, (metric, is_amount) in FEE_SOURCES.items()
    }


def _links(f: Filters, **narrow) -> dict:
    return {
        key: drill(metric, f, **narrow) for key, (metric, _a) in FEE_SOURCES.items()
    }


def _by_period(actor: User, f: Filters) -> Table:
    grain, points = periods(f)
    table = Table(
        "periods",
        _("By day") if grain == "day" else _("By month"),
        PERIOD_COLUMNS,
    )
    groups = pivot(totals(actor, f, FEE_METRICS, by=(grain,)), grain)
    for point in points:
        table.add(
            {"period": period_label(grain, point), **_values(groups.get(point, {}))},
            _links(period_filters(f, grain, point)),
        )
    whole = {r["metric"]: r for r in totals(actor, f, FEE_METRICS)}
    table.total = {"period": _("Total"), **_values(whole)}
    table.total_links = _links(f)
    return table


def _by_department(actor: User, f: Filters) -> Table:
    """Each department in reach (under the filter's) with everything below it; so a
    parent's line includes its groups' lines."""
    table = Table(
        "departments",
        _("By department"),
        DEPARTMENT_COLUMNS,
    )
    rows = totals(actor, f, FEE_METRICS, by=("department",))
    paths = dict(Department.objects.values_list("pk", "path"))
    chosen = paths.get(f.department_id, "")
    for department in department_choices(actor):
        if not department.path.startswith(chosen):
            continue
        inside = [
            r
            for r in rows
            if paths.get(r["department_id"], "\0").startswith(department.path)
        ]
        if not inside:
            continue
        group: dict = {}
        for r in inside:
            slot = group.setdefault(r["metric"], {"n": 0, "amount": Decimal(0)})
            slot["n"] += r["n"]
            slot["amount"] += r["amount"]
        indent = "\u3000" * max(0, department.depth - 1)
        table.add(
            {"department": indent + department.name, **_values(group)},
            _links(f, department_id=department.pk),
        )
    return table


def fees(actor: User, f: Filters) -> Dashboard:
    board = Dashboard("fees", _("Fee trend"), f)
    periods_table = _by_period(actor, f)
    board.tables = [periods_table, _by_department(actor, f)]
    before = {r["metric"]: r for r in totals(actor, f.previous(), FEE_METRICS)}
    now = periods_table.total
    board.tiles = [
        Tile(
            "fees",
            _("Fees collected"),
            MONEY,
            now["fees"],
            periods_table.total_links["fees"],
            amount_of(before, "fees"),
            change(now["fees"], amount_of(before, "fees")),
        ),
        Tile(
            "disbursed",
            _("Amount disbursed"),
            MONEY,
            now["disbursed_amount"],
            periods_table.total_links["disbursed_amount"],
            amount_of(before, "disbursed"),
            change(now["disbursed_amount"], amount_of(before, "disbursed")),
        ),
    ]
    board.chart = {
        "kind": "bars",
        "categories": [r["period"] for r in periods_table.rows],
        "series": [
            {
                "name": _("Fees collected"),
                "type": "bar",
                "data": [str(r["fees"]) for r in periods_table.rows],
                "links": [link["fees"] for link in periods_table.links],
            },
            {
                "name": _("Amount disbursed"),
                "type": "line",
                "axis": 1,
                "data": [str(r["disbursed_amount"]) for r in periods_table.rows],
                "links": [link["disbursed_amount"] for link in periods_table.links],
            },
        ],
    }
    return board
