"""The KPI score: the firm's weights per metric (adding up to 100) and the cap on a
metric's completion counted into it.

    score = Σ weight × min(rate, cap) / Σ weight

over the weighted metrics the person has a target for, with ``rate`` the completion
in percent: the weight of a metric without a target is shared out among the others,
so everyone at exactly 100 % of every target they were given scores 100.
"""

from __future__ import annotations

from decimal import Decimal

from lenddesk.performance.catalogue import TARGET_METRICS
from lenddesk.performance.models import KpiScheme

DEFAULT_WEIGHTS: dict[str, int] = {
    "new_customers": 10,
    "followups": 10,
    "calls": 10,
    "visits": 10,
    "signed_orders": 20,
    "disbursed": 20,
    "fees": 20,
}
DEFAULT_CAP = 120
CAP_MIN, CAP_MAX = 100, 300


def kpi_scheme() -> tuple[dict[str, int], int]:
    """The firm's weights (every target metric, 0 where unset) and cap in percent;
    the defaults until an administrator saves their own."""
    scheme = KpiScheme.objects.first()
    if scheme is None:
        return dict(DEFAULT_WEIGHTS), DEFAULT_CAP
    weights = {m: int(scheme.weights.get(m, 0) or 0) for m in TARGET_METRICS}
    return weights, scheme.cap_percent


def kpi_score(
    rates: dict[str, Decimal | None], weights: dict[str, int], cap: int
) -> Decimal:
    """Σ weight × min(rate, cap) / Σ weight over the weighted metrics with a target,
    to two decimals (rates in percent); 0 when none of them has one."""
    total = Decimal(0)
    weighed = 0
    for metric, weight in weights.items():
        rate = rates.get(metric)
        if weight and rate is not None:
            total += Decimal(weight) * min(rate, Decimal(cap))
            weighed += weight
    if not weighed:
        return Decimal("0.00")
    return (total / weighed).quantize(Decimal("0.01"))
