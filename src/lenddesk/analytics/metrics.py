"""The numbers LendDesk counts, one code each.

Every dashboard, target and report reads these codes; ``analytics.refresh`` is the one
place that says which source rows make each of them (and ``analytics.drill`` lists
exactly those rows). ``n`` is a count, ``amount`` a sum in yuan.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    has_amount: bool = False  # the metric's headline number is the amount, not n
    by_channel: bool = False  # facts carry the lead's channel and ad account


METRICS: tuple[Metric, ...] = (
    Metric("new_customers", _("New customers"), by_channel=True),
    Metric("followups", _("Follow-ups")),
    Metric("calls", _("Calls")),
    Metric("calls_connected", _("Connected calls")),
    Metric("visits", _("Visits")),
    Metric("signed_orders", _("Signed orders"), by_channel=True),
    Metric("lost_orders", _("Lost orders"), by_channel=True),
    Metric("submissions", _("Funder submissions")),
    Metric("approvals", _("Funder approvals")),
    Metric("rejections", _("Funder rejections")),
    Metric("disbursed", _("Disbursed amount"), has_amount=True, by_channel=True),
    Metric("fees", _("Fees collected"), has_amount=True, by_channel=True),
    Metric("spend", _("Channel spend"), has_amount=True, by_channel=True),
    Metric("commission", _("Commissions"), has_amount=True, by_channel=True),
    Metric("pool_returns", _("Returned to the pool")),
)
METRICS_BY_CODE = {m.code: m for m in METRICS}
METRIC_CODES = tuple(m.code for m in METRICS)
