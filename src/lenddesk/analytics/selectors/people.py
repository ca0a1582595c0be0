"""Per-person dashboards: staff conversion (员工转化), calls (通话分析) and allocation
fairness (分配公平). Staff names are shown; no customer's."""

from __future__ import annotations

import statistics
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from lenddesk.accounts.models import Role, User, UserStatus
from lenddesk.analytics.selectors.common import (
    DECIMAL,
    INT,
    MONEY,
    PERCENT,
    TEXT,
    Column,
    Dashboard,
    Filters,
    Table,
    Tile,
    amount_of,
    department_q,
    drill,
    n_of,
    period_filters,
    period_label,
    periods,
    person_names,
    pivot,
    rate,
    totals,
)

CONVERSION_METRICS = (
    "new_customers",
    "followups",
    "calls",
    "visits",
    "signed_orders",
    "disbursed",
)
CONVERSION_COLUMNS = [
    Column("rank", gettext_lazy("Rank"), INT),
    Column("person", gettext_lazy("Person"), TEXT),
    Column("leads", gettext_lazy("New customers"), INT),
    Column("followups", pgettext_lazy("dashboard", "Follow-ups"), INT),
    Column("calls", gettext_lazy("Calls"), INT),
    Column("visits", pgettext_lazy("dashboard", "Visits"), INT),
    Column("signed", pgettext_lazy("dashboard", "Signed"), INT),
    Column("disbursed_n", gettext_lazy("Loans disbursed"), INT),
    Column("disbursed_amount", gettext_lazy("Amount disbursed"), MONEY),
    Column("conversion", gettext_lazy("Conversion (%)"), PERCENT),
]
# column key → (metric, whether the number is the metric's amount)
CONVERSION_SOURCES = {
    "leads": ("new_customers", False),
    "followups": ("followups", False),
    "calls": ("calls", False),
    "visits": ("visits", False),
    "signed": ("signed_orders", False),
    "disbursed_n": ("disbursed", False),
    "disbursed_amount": ("disbursed", True),
}


def _values(group: dict, sources: dict) -> dict:
    return {
        key: amount_of(group, metric) if is_amount else n_of(group, metric)
        for key, (metric, is_amount) in sources.items()
    }


def _links(f: Filters, sources: dict, **narrow) -> dict:
    return {key: drill(metric, f, **narrow) for key, (metric, _a) in sources.items()}


def _whole(actor: User, f: Filters, metrics) -> dict:
    return {r["metric"]: r for r in totals(actor, f, metrics)}


def conversion_rows(actor: User, f: Filters) -> list[dict]:
    """Per person: the chain's counts and conversion (signed / new customers), ranked
    by conversion, then by signed orders; ``user_id`` keeps who each row is."""
    groups = pivot(totals(actor, f, CONVERSION_METRICS, by=("user",)), "user_id")
    groups.pop(None, None)
    names = person_names(groups)
    rows = []
    for user_id, group in groups.items():
        values = _values(group, CONVERSION_SOURCES)
        values["conversion"] = rate(values["signed"], values["leads"])
        rows.append({"user_id": user_id, "person": names.get(user_id, ""), **values})
    rows.sort(
        key=lambda r: (
            -(r["conversion"] if r["conversion"] is not None else Decimal(-1)),
            -r["signed"],
            r["person"],
        )
    )
    for number, row in enumerate(rows, start=1):
        row["rank"] = number
    return rows


def staff(actor: User, f: Filters) -> Dashboard:
    board = Dashboard("staff", _("Staff conversion"), f)
    table = Table("people", _("Ranking by conversion"), CONVERSION_COLUMNS)
    rows = conversion_rows(actor, f)
    for row in rows:
        table.add(
            {k: v for k, v in row.items() if k != "user_id"},
            _links(f, CONVERSION_SOURCES, user_id=row["user_id"]),
        )
    whole = _values(_whole(actor, f, CONVERSION_METRICS), CONVERSION_SOURCES)
    whole["conversion"] = rate(whole["signed"], whole["leads"])
    table.total = {"rank": None, "person": _("Total"), **whole}
    table.total_links = _links(f, CONVERSION_SOURCES)
    board.tables = [table]
    board.chart = {
        "kind": "bars",
        "categories": [r["person"] for r in rows],
        "series": [
            {
                "name": str(label),
                "type": "bar",
                "data": [r[key] for r in rows],
                "links": [table.links[i][key] for i in range(len(rows))],
            }
            for key, label in (
                ("leads", _("New customers")),
                ("signed", pgettext("dashboard", "Signed")),
            )
        ]
        + [
            {
                "name": _("Conversion (%)"),
                "type": "line",
                "axis": 1,
                "data": [str(r["conversion"] or 0) for r in rows],
                "links": [table.links[i]["signed"] for i in range(len(rows))],
            }
        ],
    }
    return board


# --- calls --------------------------------------------------------------------------

CALL_SOURCES = {"calls": ("calls", False), "connected": ("calls_connected", False)}
CALL_METRICS = ("calls", "calls_connected")


def _call_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("calls", gettext_lazy("Calls"), INT),
        Column("connected", gettext_lazy("Connected"), INT),
        Column("rate", gettext_lazy("Connect rate (%)"), PERCENT),
    ]


CALL_PERSON_COLUMNS = _call_columns(Column("person", gettext_lazy("Person"), TEXT))
CALL_PERIOD_COLUMNS = _call_columns(Column("period", gettext_lazy("Period"), TEXT))


def _call_values(group: dict) -> dict:
    values = _values(group, CALL_SOURCES)
    values["rate"] = rate(values["connected"], values["calls"])
    return values


def calls(actor: User, f: Filters) -> Dashboard:
    board = Dashboard("calls", _("Call analysis"), f)
    people = Table("people", _("By person"), CALL_PERSON_COLUMNS)
    groups = pivot(totals(actor, f, CALL_METRICS, by=("user",)), "user_id")
    groups.pop(None, None)
    names = person_names(groups)
    lines = sorted(
        ((names.get(u, ""), u, _call_values(g)) for u, g in groups.items()),
        key=lambda line: (-line[2]["calls"], line[0]),
    )
    for name, user_id, values in lines:
        people.add({"person": name, **values}, _links(f, CALL_SOURCES, user_id=user_id))
    people.total = {
        "person": _("Total"),
        **_call_values(_whole(actor, f, CALL_METRICS)),
    }
    people.total_links = _links(f, CALL_SOURCES)
    days = _by_period(actor, f)
    board.tables = [people, days]
    board.chart = {
        "kind": "bars",
        "categories": [r["period"] for r in days.rows],
        "series": [
            {
                "name": _("Calls"),
                "type": "bar",
                "data": [r["calls"] for r in days.rows],
                "links": [link["calls"] for link in days.links],
            },
            {
                "name": _("Connected"),
                "type": "bar",
                "data": [r["connected"] for r in days.rows],
                "links": [link["connected"] for link in days.links],
            },
            {
                "name": _("Connect rate (%)"),
                "type": "line",
                "axis": 1,
                "data": [str(r["rate"] or 0) for r in days.rows],
                "links": [link["connected"] for link in days.links],
            },
        ],
    }
    return board


def _by_period(actor: User, f: Filters) -> Table:
    grain, points = periods(f)
    table = Table(
        "days",
        _("By day") if grain == "day" else _("By month"),
        CALL_PERIOD_COLUMNS,
    )
    groups = pivot(totals(actor, f, CALL_METRICS, by=(grain,)), grain)
    for point in points:
        values = _call_values(groups.get(point, {}))
        table.add(
            {"period": period_label(grain, point), **values},
            _links(period_filters(f, grain, point), CALL_SOURCES),
        )
    return table


# --- allocation fairness ------------------------------------------------------------

ALLOCATION_COLUMNS = [
    Column("person", gettext_lazy("Person"), TEXT),
    Column("assigned", gettext_lazy("New customers assigned"), INT),
    Column("share", pgettext_lazy("dashboard", "Share (%)"), PERCENT),
    Column("gap", gettext_lazy("Difference from the mean"), DECIMAL),
]
CLAIM_CODE = "customer.claim"


def _takers(actor: User, f: Filters) -> dict[int, str]:
    """Active people in reach who take customers (a role with the claim code) and
    receive leads: the ones allocation should treat alike, even those given none."""
    role_ids = [r.pk for r in Role.objects.all() if CLAIM_CODE in (r.codes or [])]
    people = (
        User.objects.visible_to(actor)
        .filter(status=UserStatus.ACTIVE, accepts_leads=True, roles__in=role_ids)
        .filter(department_q(f.department_id, "department"))
        .distinct()
        .values_list("pk", "display_name", "username")
    )
    return {pk: display or username for pk, display, username in people}


def _spread(counts: list[int]) -> dict:
    if not counts:
        return {"mean": Decimal(0), "stdev": Decimal(0), "range": 0, "max": 0}
    mean = Decimal(sum(counts)) / len(counts)
    stdev = Decimal(str(statistics.pstdev(counts)))
    two = Decimal("0.01")
    return {
        "mean": mean.quantize(two, ROUND_HALF_UP),
        "stdev": stdev.quantize(two, ROUND_HALF_UP),
        "range": max(counts) - min(counts),
        "max": max(counts),
    }


def allocation(actor: User, f: Filters) -> Dashboard:
    """New customers given to each person in the range, the mean, the standard
    deviation and max − min: an even split has a small spread."""
    board = Dashboard("allocation", _("Allocation fairness"), f)
    counts = {
        r["user_id"]: r["n"]
        for r in totals(actor, f, ("new_customers",), by=("user",))
        if r["user_id"] is not None
    }
    names = _takers(actor, f)
    names.update(person_names([u for u in counts if u not in names]))
    spread = _spread([counts.get(u, 0) for u in names])
    everyone = sum(counts.values())
    table = Table("people", _("By person"), ALLOCATION_COLUMNS)
    for user_id in sorted(names, key=lambda u: (-counts.get(u, 0), names[u])):
        n = counts.get(user_id, 0)
        table.add(
            {
                "person": names[user_id],
                "assigned": n,
                "share": rate(n, everyone),
                "gap": Decimal(n) - spread["mean"],
            },
            {"assigned": drill("new_customers", f, user_id=user_id)},
        )
    table.total = {"person": _("Total"), "assigned": everyone, "share": None}
    table.total_links = {"assigned": drill("new_customers", f)}
    board.tiles = [
        Tile("people", _("People"), INT, len(names)),
        Tile("mean", _("Mean per person"), DECIMAL, spread["mean"]),
        Tile("stdev", _("Standard deviation"), DECIMAL, spread["stdev"]),
        Tile("range", _("Max − min"), INT, spread["range"]),
    ]
    board.chart = {
        "kind": "bars",
        "categories": [r["person"] for r in table.rows],
        "mean": str(spread["mean"]),
        "series": [
            {
                "name": _("New customers assigned"),
                "type": "bar",
                "data": [r["assigned"] for r in table.rows],
                "links": [link["assigned"] for link in table.links],
            }
        ],
    }
    board.tables = [table]
    return board
