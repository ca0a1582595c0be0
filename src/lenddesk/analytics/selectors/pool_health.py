"""Public pool health (公海健康): how many customers wait in each pool and for how long
(live), and how many went back to the pool over time (from the facts).

A customer's time in the pool counts from when it went back (a return or a release
sets the cool-down, ``cooldown_until`` = that moment + the rules' cool-down days) or,
for one never owned, from its creation."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q
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
from lenddesk.customers.models import Customer, PoolRules
from lenddesk.customers.selectors import pools_visible_to

# (column key, label, in the pool at least this many days, and less than that many)
AGE_BUCKETS = (
    ("age_7", gettext_lazy("Up to 7 days"), 0, 7),
    ("age_30", gettext_lazy("8–30 days"), 7, 30),
    ("age_90", gettext_lazy("31–90 days"), 30, 90),
    ("age_180", gettext_lazy("91–180 days"), 90, 180),
    ("age_more", gettext_lazy("Over 180 days"), 180, None),
)
POOL_COLUMNS = [
    Column("pool", gettext_lazy("Public pool"), TEXT),
    Column("size", gettext_lazy("Customers waiting"), INT),
    *(Column(key, label, INT) for key, label, _low, _high in AGE_BUCKETS),
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
    for key, _label, _low, high in AGE_BUCKETS:
        if high is None:
            continue
        edge = now - dt.timedelta(days=high)
        counts["new_" + key] = Count(
            "pk", filter=Q(cooldown_until__isnull=True, created_at__gte=edge)
        )
        counts["back_" + key] = Count(
            "pk", filter=Q(cooldown_until__gte=edge + cooldown)
        )
    return counts


def _buckets(row: dict | None) -> dict:
    """Sizes per age bucket from the cumulative counts."""
    row = row or {}
    size = row.get("size", 0)
    out, younger = {"size": size}, 0
    for key, _label, _low, high in AGE_BUCKETS:
        upto = (
            row.get("new_" + key, 0) + row.get("back_" + key, 0)
            if high is not None
            else size
        )
        out[key] = upto - younger
        younger = upto
    return out


def pool_sizes(actor: User) -> list[dict]:
    """Per pool the actor may open: customers waiting and their age buckets, now, in
    one grouped read. A returned customer entered ``cooldown_until`` − the cool-down
    days ago; one never owned at its creation."""
    rules = PoolRules.objects.first()
    cooldown = dt.timedelta(days=rules.cooldown_days if rules else 7)
    pools = {p.pk: p.name for p in pools_visible_to(actor)}
    rows = (
        Customer.objects.filter(owner__isnull=True, pool_id__in=list(pools))
        .order_by()
        .values("pool_id")
        .annotate(**_entered_counts(timezone.now(), cooldown))
    )
    found = {r["pool_id"]: r for r in rows}
    return [
        {"pool_id": pk, "pool": name, **_buckets(found.get(pk))}
        for pk, name in sorted(pools.items(), key=lambda p: p[1])
    ]


def _pool_url(pool_id: int) -> str:
    return reverse("customers:pool") + "?" + urlencode({"pool": pool_id})


def pool(actor: User, f: Filters) -> Dashboard:
    board = Dashboard("pool", _("Public pool health"), f)
    sizes = Table("pools", _("Customers waiting (now)"), POOL_COLUMNS)
    for row in pool_sizes(actor):
        sizes.add(
            {k: v for k, v in row.items() if k != "pool_id"},
            {"size": _pool_url(row["pool_id"])},
        )
    sizes.total = {
        "pool": _("Total"),
        **{
            c.key: sum(r[c.key] for r in sizes.rows)
            for c in POOL_COLUMNS
            if c.kind == INT
        },
    }
    sizes.total_links = {"size": reverse("customers:pool")}
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
