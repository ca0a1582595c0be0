"""Dashboards (issue 19 §4): every dashboard < 300 ms server median at 1M customers,
5M follow-ups and 200k orders.

``dashboard``: each dashboard page of ``/analytics/`` (HTML, session) over last month
(``?from=…&to=…``, the month a manager reviews: "which channel lost money last
month"), as the general manager (the whole firm, the widest read); the overview (数据
看板) also as a team lead and a salesperson, and through its JSON API
(``/api/v1/analytics/overview/``). Each against the same SELECTs replayed as raw SQL
(the list workloads' baseline): what the product spends beyond its queries.

The activity behind them (follow-ups, calls, spend, receipts, loans and the analytics
facts) comes from ``bench/seed_activity.py``, which ``python -m bench seed`` runs at its
end; a firm seeded before it gets it here at the small scales, and is told to run it at
the large ones (it takes minutes there).
"""

from __future__ import annotations

import datetime as dt
import statistics
from urllib.parse import urlencode

from bench.registry import Result, workload

TARGET_MS = 300
# (dashboard key, roles that open it); the overview is every role's first page.
CASES = (
    ("overview", ("salesperson", "team_lead", "general_manager")),
    ("channels", ("general_manager",)),
    ("staff", ("team_lead", "general_manager")),
    ("calls", ("general_manager",)),
    ("sla", ("general_manager",)),
    ("fees", ("general_manager",)),
    ("pool", ("general_manager",)),
    ("allocation", ("general_manager",)),
    ("approvals", ("general_manager",)),
)
SEED_HERE = ("1k", "10k")  # scales at which a missing activity seed is made here


def last_month() -> tuple[dt.date, dt.date]:
    from django.utils import timezone

    first = timezone.localdate().replace(day=1)
    last = first - dt.timedelta(days=1)
    return last.replace(day=1), last


def _ensure_activity(ctx) -> int:
    """The firm's analytics facts (the rollups the dashboards read); the count."""
    from bench.seed_activity import seed_activity
    from lenddesk.analytics.models import DailyFact
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(ctx.tenant):
        facts = DailyFact.objects.count()
    if facts:
        return facts
    if ctx.scale.name not in SEED_HERE:
        raise RuntimeError(
            "no analytics facts in the bench firm: run "
            "`python -m bench.seed_activity --scale %s` first" % ctx.scale.name
        )
    seed_activity(ctx.tenant, customers=ctx.sample["customers"])
    with tenant_context(ctx.tenant):
        return DailyFact.objects.count()


def _note(result: Result, facts: int, missing: list[str]) -> Result:
    server = statistics.median(result.server_ms) if result.server_ms else None
    met = server is not None and server < TARGET_MS
    result.extra.update(
        facts=facts,
        target="< %d ms server median" % TARGET_MS,
        target_met=met,
        note="target %s" % ("met" if met else "MISSED"),
    )
    if missing:
        result.extra["not_measured"] = missing
    return result


@workload("dashboard", order=44)
def dashboards(ctx):
    """Every dashboard page over last month as the general manager; the overview
    also as team lead and salesperson and through the API."""
    from django.urls import NoReverseMatch, reverse

    from lenddesk.analytics.selectors import DASHBOARDS

    facts = _ensure_activity(ctx)
    first, last = last_month()
    query = "?" + urlencode({"from": first.isoformat(), "to": last.isoformat()})
    missing = [key for key, _roles in CASES if key not in DASHBOARDS]
    ctx.log(
        "dashboard: %d facts, %s … %s%s"
        % (facts, first, last, "; not built: %s" % missing if missing else "")
    )
    for key, roles in CASES:
        if key in missing:
            continue
        try:
            path = reverse("analytics:%s" % key)
        except NoReverseMatch:
            missing.append(key)
            continue
        for role in roles:
            result = ctx.http(
                "dashboard %s, %s (HTML)" % (key, role.replace("_", " ")),
                "GET",
                path + query,
                user=ctx.users[role],
                session=True,
                group="dashboard",
            )
            yield _note(result, facts, missing)
    if "overview" not in missing:
        result = ctx.http(
            "dashboard overview, salesperson (API)",
            "GET",
            "/api/v1/analytics/overview/" + query,
            user=ctx.users["salesperson"],
            group="dashboard",
        )
        yield _note(result, facts, missing)
