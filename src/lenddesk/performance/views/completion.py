"""Completion (完成情况) and rankings (排行榜): target against actual per person or
department, each actual a link to the list behind it; charts and Excel exports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from lenddesk.accounts.scope import visible_departments
from lenddesk.analytics.facts import freshness
from lenddesk.performance.catalogue import TARGET_METRICS, metric_label
from lenddesk.performance.exports import completion_workbook, ranking_workbook
from lenddesk.performance.kpi import kpi_scheme
from lenddesk.performance.permissions import PerformancePermission as P
from lenddesk.performance.reach import managed_departments
from lenddesk.performance.selectors import completion, ranking
from lenddesk.performance.views.common import (
    department_param,
    metric_columns,
    month_context,
    month_param,
)
from lenddesk.web.access import StaffView
from lenddesk.web.pages import download_response

CHART_PEOPLE = 30


def _departments(actor, by: str):
    if by == "department":
        return list(managed_departments(actor).order_by("path"))
    return sorted(visible_departments(actor), key=lambda d: d.path)


def _pick(actor, by: str, request):
    """The departments offered and the ``?department=`` chosen among them."""
    wanted = department_param(request)
    offered = _departments(actor, by)
    return offered, next((d for d in offered if d.pk == wanted), None)


def _keep(by: str, department) -> str:
    """The query string beyond the month, for the month navigation and export."""
    params = {"by": by}
    if department is not None:
        params["department"] = department.pk
    return "&" + urlencode(params)


def _export_allowed(actor) -> None:
    if not actor.has_code(P.EXPORT):
        raise PermissionDenied


def _completion_chart(rows: list[dict]) -> dict:
    shown = rows[:CHART_PEOPLE]
    return {
        "names": [r["name"] for r in shown],
        "metrics": [
            {
                "code": m,
                "label": metric_label(m),
                "rates": [
                    float(r["metrics"][m]["rate"])
                    if r["metrics"][m]["rate"] is not None
                    else None
                    for r in shown
                ],
            }
            for m in TARGET_METRICS
        ],
        "axis": _("Completion (%)"),
    }


class CompletionView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        month = month_param(request)
        by = "department" if request.GET.get("by") == "department" else "user"
        offered, chosen = _pick(self.actor, by, request)
        department_id = chosen.pk if chosen else None
        rows = completion(self.actor, month=month, department_id=department_id, by=by)
        if request.GET.get("export") == "xlsx":
            _export_allowed(self.actor)
            return download_response(
                completion_workbook(
                    self.actor,
                    month=month,
                    department_id=department_id,
                    by=by,
                    rows=rows,
                ),
                "completion-%s.xlsx" % month.strftime("%Y-%m"),
            )
        return render(
            request,
            "performance/completion.html",
            {
                "title": _("Completion"),
                **month_context(month),
                "by": by,
                "by_title": _("Show"),
                "by_choices": [
                    ("user", _("By person")),
                    ("department", _("By department")),
                ],
                "keep": _keep(by, chosen),
                "departments": offered,
                "department": chosen,
                "metrics": metric_columns(),
                "rows": rows,
                "chart": _completion_chart(rows),
                "freshness": freshness(),
                "can_export": self.actor.has_code(P.EXPORT),
            },
        )


class RankingView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        month = month_param(request)
        by = request.GET.get("by", "kpi")
        by = by if by in TARGET_METRICS else "kpi"
        offered, chosen = _pick(self.actor, "user", request)
        department_id = chosen.pk if chosen else None
        rows = ranking(self.actor, month=month, department_id=department_id, by=by)
        if request.GET.get("export") == "xlsx":
            _export_allowed(self.actor)
            return download_response(
                ranking_workbook(
                    self.actor, month=month, department_id=department_id, rows=rows
                ),
                "ranking-%s.xlsx" % month.strftime("%Y-%m"),
            )
        weights, cap = kpi_scheme()
        return render(
            request,
            "performance/ranking.html",
            {
                "title": _("Ranking"),
                **month_context(month),
                "by": by,
                "by_label": metric_label(by) if by != "kpi" else _("KPI score"),
                "by_title": _("Rank by"),
                "by_choices": [("kpi", _("KPI score"))]
                + [(m, metric_label(m)) for m in TARGET_METRICS],
                "keep": _keep(by, chosen),
                "departments": offered,
                "department": chosen,
                "metrics": metric_columns(),
                "rows": rows,
                "weights": [
                    {"label": metric_label(m), "weight": weights[m]}
                    for m in TARGET_METRICS
                    if weights[m]
                ],
                "cap": cap,
                "chart": _ranking_chart(rows, by),
                "can_export": self.actor.has_code(P.EXPORT),
            },
        )


def _ranking_chart(rows: list[dict], by: str) -> dict:
    shown = rows[:CHART_PEOPLE]

    def value(row):
        if by == "kpi":
            return float(row["kpi_score"])
        return float(row["metrics"][by]["actual"])

    return {
        "names": [r["name"] for r in shown],
        "values": [value(r) for r in shown],
        "label": metric_label(by) if by != "kpi" else _("KPI score"),
    }
