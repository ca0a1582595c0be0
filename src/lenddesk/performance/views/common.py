"""What the performance pages share: the month and department asked for, the month
navigation, an Excel answer."""

from __future__ import annotations

from lenddesk.performance.catalogue import (
    TARGET_METRICS,
    metric_label,
    month_or_now,
    shift,
)
from lenddesk.web.params import int_or_none


def month_param(request):
    source = request.POST if request.method == "POST" else request.GET
    return month_or_now(source.get("month", ""))


def department_param(request) -> int | None:
    source = request.POST if request.method == "POST" else request.GET
    return int_or_none(source.get("department"))


def month_context(month) -> dict:
    return {"month": month, "previous": shift(month, -1), "next": shift(month, 1)}


def metric_columns() -> list[dict]:
    return [{"code": m, "label": metric_label(m)} for m in TARGET_METRICS]
