"""Public pool health (公海健康): how many customers wait in each pool and for how long
(live), and how many went back to the pool over time (from the facts).

A customer's time in the pool: ``customers/pool_ages.py`` (the pool list filters by
the same buckets)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.accounts.models import User
from lenddesk.analytics.selectors.common import (
    INT,
    TEXT,
    Column,
    Dashboard,
    Filters,
    Table,
    Tile,
    drill,
    period_filters,
    period_label,
    periods,
    person_names,
    pivot,
    totals,
)
from lenddesk.customers.models import Customer
from lenddesk.customers.pool_ages import POOL_AGES, entered_since, pool_cooldown
from lenddesk.customers.selectors import pools_visible_to
from lenddesk.web.params import url_with

POOL_COLUMNS = [
    Column("pool", gettext_lazy("Public pool"), TEXT),
    Column("size", gettext_lazy("Customers waiting"), INT),
    *(Column(key, label, INT) for key, label, _low, _high in POOL_AGES),
]
RETURN_COLUMNS = [
    Column("period", gettext_lazy("Period"), TEXT),
    Column("returned", gettext_lazy("Returned to the pool"), INT),
]
RETURNER_COLUMNS = [
    Column("person", gettext_lazy("Released by"), TEXT),
    Column("returned", gettext_lazy("Returned to the pool"), INT),
]


def _entered_counts(now: dt.datetime, cooldown: dt.timedelta) -> dict:
    """For each bucket's lower edge, those that entered at or after it: never owned
    (created since) and returned (cool-down ending after edge + cool-down days).
    Plain comparisons, so one partial index on (tenant, pool, cooldown_until,
    created_at) of the pool's customers answers the whole read (docs/analytics.md)."""
    counts = {"size": Count("pk")}
    for key, _label, _low, high in POOL_AGES:
        if high is not None:
            since = entered_since(now - dt.timedelta(days=high), cooldown)
            counts["upto_" + key] = Count("pk", filter=since)
    return counts


def _buckets(row: dict | None) -> dict:
    """Sizes per age bucket from the cumulative counts."""
    row = row or {}
    size = row.get("size", 0)
    out, younger = {"size": size}, 0
    for key, _label, _low, high in POOL_AGES:
        upto = row.get("upto_" + key, 0) if high is not None else size
        out[key] = upto - younger
        younger = upto
    return out


def pool_sizes(actor: User) -> list[dict]:
    """Per pool the actor may open: customers waiting and their age buckets, now, in
    one grouped read. A returned customer entered ``cooldown_until`` − the cool-down
    days ago; one never owned at its creation."""
    pools = {p.pk: p.name for p in pools_visible_to(actor)}
    rows = (
        Customer.objects.filter(owner__isnull=True, pool_id__in=list(pools))
        .order_by()
        .values("pool_id")
        .annotate(**_entered_counts(timezone.now(), pool_cooldown()))
    )
    found = {r["pool_id"]: r for r in rows}
    return [
        {"pool_id": pk, "pool": name, **_buckets(found.get(pk))}
        for pk, name in sorted(pools.items(), key=lambda p: p[1])
    ]


def _pool_links(pool_id: int | None) -> dict[str, str]:
    """The pool list behind the pool's size and each of its age buckets."""
    links = {"size": url_with("customers:pool", pool=pool_id)}
    for key, _label, _low, _high in POOL_AGES:
        links[key] = url_with("customers:pool", pool=pool_id, age=key)
    return links


def pool(actor: User, f: Filters) -> Dashboard:
    board = Dashboard("pool", _("Public pool health"), f)
    sizes = Table("pools", _("Customers waiting (now)"), POOL_COLUMNS)
    for row in pool_sizes(actor):
        sizes.add(
            {k: v for k, v in row.items() if k != "pool_id"},
            _pool_links(row["pool_id"]),
        )
    sizes.total = {
        "pool": _("Total"),
        **{
            c.key: sum(r[c.key] for r in sizes.rows)
            for c in POOL_COLUMNS
            if c.kind == INT
        },
    }
    sizes.total_links = _pool_links(None)
    sizes.note = _(
        "Time in the pool counts from the return (or, for a customer never owned, "
        "from its creation)."
    )
    returns = _returns_by_period(actor, f)
    board.tables = [sizes, returns, _returns_by_person(actor, f)]
    board.tiles = [
        Tile(
            "size",
            _("Customers in the pool"),
            INT,
            sizes.total["size"],
            reverse("customers:pool"),
        ),
        Tile(
            "returned",
            _("Returned to the pool"),
            INT,
            returns.total["returned"],
            returns.total_links["returned"],
        ),
    ]
    board.chart = {
        "kind": "bars",
        "categories": [r["period"] for r in returns.rows],
        "series": [
            {
                "name": _("Returned to the pool"),
                "type": "bar",
                "data": [r["returned"] for r in returns.rows],
                "links": [link["returned"] for link in returns.links],
            }
        ],
    }
    return board


def _returns_by_period(actor: User, f: Filters) -> Table:
    grain, points = periods(f)
    table = Table(
        "returns",
        _("Returned by day") if grain == "day" else _("Returned by month"),
        RETURN_COLUMNS,
    )
    groups = pivot(totals(actor, f, ("pool_returns",), by=(grain,)), grain)
    for point in points:
        n = groups.get(point, {}).get("pool_returns", {}).get("n", 0)
        table.add(
            {"period": period_label(grain, point), "returned": n},
            {"returned": drill("pool_returns", period_filters(f, grain, point))},
        )
    table.total = {
        "period": _("Total"),
        "returned": sum(r["returned"] for r in table.rows),
    }
    table.total_links = {"returned": drill("pool_returns", f)}
    return table


def _returns_by_person(actor: User, f: Filters) -> Table:
    table = Table("returners", _("Released to the pool by person"), RETURNER_COLUMNS)
    rows = [
        r
        for r in totals(actor, f, ("pool_returns",), by=("user",))
        if r["user_id"] is not None
    ]
    names = person_names(r["user_id"] for r in rows)
    rows.sort(key=lambda r: (-r["n"], names.get(r["user_id"], "")))
    for r in rows:
        table.add(
            {"person": names.get(r["user_id"], ""), "returned": r["n"]},
            {"returned": drill("pool_returns", f, user_id=r["user_id"])},
        )
    return table
