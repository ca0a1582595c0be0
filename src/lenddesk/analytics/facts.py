"""Reading the rollups: the one door dashboards, targets and reports use for numbers.

``fact_totals`` sums ``DailyFact`` rows the actor may see (their data scope through
the fact's user); ``drill_url`` is the address of the list behind any such number,
whose count equals it for the same actor and filters once the facts are fresh;
``freshness`` says when the facts were last rebuilt. All run in the firm's context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse

from lenddesk.analytics.metrics import METRICS_BY_CODE
from lenddesk.analytics.models import DailyFact, FactRefresh

# by-key -> (column of DailyFact or an expression, the key in each row)
BY_KEYS: dict[str, str] = {
    "day": "day",
    "month": "month",
    "user": "user_id",
    "department": "department_id",
    "channel": "channel",
    "ad_account": "ad_account_id",
    "funder": "funder_id",
    "product": "product_id",
}


def department_q(department_id: int | None, *, field: str = "department") -> Q:
    """Rows of a department and everything below it (by the tree's path prefix)."""
    if department_id is None:
        return Q()
    from lenddesk.accounts.models import Department

    path = (
        Department.objects.filter(pk=department_id)
        .values_list("path", flat=True)
        .first()
    )
    if path is None:
        return Q(pk__in=[])
    return Q(**{"%s__path__startswith" % field: path})


def _metric_codes(metrics: Iterable[str] | str) -> list[str]:
    codes = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [c for c in codes if c not in METRICS_BY_CODE]
    if unknown:
        raise ValueError("Unknown metric(s): %s" % ", ".join(unknown))
    return codes


def fact_totals(
    actor,
    *,
    metrics,
    date_from: dt.date,
    date_to: dt.date,
    by=(),
    department_id: int | None = None,
    user_id: int | None = None,
    channel: str | None = None,
    ad_account_id: int | None = None,
) -> list[dict]:
    """Sums of the facts visible to ``actor`` for ``metrics`` over the days
    ``date_from``..``date_to`` (inclusive), grouped by ``by`` (a subset of
    ``BY_KEYS``). Each row holds the by-keys (``user_id``, ``department_id``,
    ``channel``, ``ad_account_id``, ``funder_id``, ``product_id``, ``day``,
    ``month`` — the first of the month), ``metric``, ``n`` (int) and ``amount``
    (Decimal). Groups with no facts are absent. ``channel`` "" are the facts of
    metrics that carry no channel (and leads without one)."""
    codes = _metric_codes(metrics)
    keys = list(by)
    bad = [k for k in keys if k not in BY_KEYS]
    if bad:
        raise ValueError("Unknown grouping(s): %s" % ", ".join(bad))
    qs = DailyFact.objects.visible_to(actor).filter(
        metric__in=codes, day__gte=date_from, day__lte=date_to
    )
    qs = qs.filter(department_q(department_id))
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if channel is not None:
        qs = qs.filter(channel=channel)
    if ad_account_id is not None:
        qs = qs.filter(ad_account_id=ad_account_id)
    if "month" in keys:
        qs = qs.annotate(month=TruncMonth("day"))
    columns = [BY_KEYS[k] for k in keys]
    rows = (
        qs.values("metric", *columns)
        .annotate(n_sum=Sum("n"), amount_sum=Sum("amount"))
        .order_by("metric", *columns)
    )
    out = []
    for row in rows:
        item = {c: row[c] for c in columns}
        item["metric"] = row["metric"]
        item["n"] = int(row["n_sum"] or 0)
        item["amount"] = Decimal(row["amount_sum"] or 0).quantize(Decimal("0.01"))
        if "month" in item and isinstance(item["month"], dt.datetime):
            item["month"] = item["month"].date()
        out.append(item)
    return out


def freshness() -> dt.datetime | None:
    """When the firm's facts were last rebuilt (any day range), or None if never."""
    return (
        FactRefresh.objects.order_by("-refreshed_at")
        .values_list("refreshed_at", flat=True)
        .first()
    )


def drill_url(
    metric: str,
    *,
    date_from: dt.date,
    date_to: dt.date,
    user_id: int | None = None,
    department_id: int | None = None,
    channel: str | None = None,
    funder_id: int | None = None,
    product_id: int | None = None,
    ad_account_id: int | None = None,
) -> str:
    """The list behind a number: ``/analytics/drill/<metric>/?from=…&to=…&…``."""
    _metric_codes(metric)
    params: dict[str, object] = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
    }
    for name, value in (
        ("user", user_id),
        ("department", department_id),
        ("channel", channel),
        ("funder", funder_id),
        ("product", product_id),
        ("ad_account", ad_account_id),
    ):
        if value is not None:
            params[name] = value
    return "%s?%s" % (reverse("analytics:drill", args=[metric]), urlencode(params))
