"""The dashboard pages (数据看板 and the eight pages beside it) and their Excel exports.

One view class serves every dashboard; each URL gets a subclass that names its
dashboard and declares its permission codes, so the access matrix sees them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from lenddesk.accounts.models import Department
from lenddesk.analytics.exports import dashboard_workbook
from lenddesk.analytics.permissions import AnalyticsPermission as P
from lenddesk.analytics.selectors import (
    DASHBOARDS,
    Filters,
    department_choices,
    filters_from,
    freshness_minutes,
)
from lenddesk.analytics.selectors.common import this_month
from lenddesk.analytics.views.dashboards_present import (
    dashboard_url,
    filter_query,
    freshness_text,
    present,
    quick_ranges,
    tabs_for,
)
from lenddesk.web.access import StaffView
from lenddesk.web.pages import download_response


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


class DashboardPage(StaffView):
    dashboard = ""
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        spec = DASHBOARDS[self.dashboard]
        choices = department_choices(request.user)
        try:
            f = filters_from(request.user, request.GET)
            errors: dict = {}
        except ValidationError as exc:
            first, last = this_month()
            f, errors = Filters(first, last), _errors(exc)
        board = spec.read(
            request.user,
            date_from=f.date_from,
            date_to=f.date_to,
            department_id=f.department_id,
        )
        user = request.user
        context = {
            "title": spec.title,
            "spec": spec,
            "board": present(board),
            "filters": f,
            "given": {k: request.GET.get(k, "") for k in ("from", "to", "department")},
            "errors": errors,
            "departments": choices,
            "ranges": quick_ranges(f, f.department_id),
            "query": filter_query(f),
            "tabs": tabs_for(user, spec.key, filter_query(f)),
            "export_url": "%s?%s"
            % (dashboard_url(spec.key, export=True), filter_query(f)),
            "freshness": freshness_text(freshness_minutes()),
            "can_export": user.has_any_code(P.EXPORT)
            and user.has_any_code(*spec.codes),
        }
        return render(
            request,
            "analytics/dashboard.html",
            context,
            status=400 if errors else 200,
        )


class DashboardExport(StaffView):
    dashboard = ""
    permissions = {"GET": (P.EXPORT,)}

    def get(self, request):
        spec = DASHBOARDS[self.dashboard]
        user = request.user
        if not (user.has_any_code(P.EXPORT) and user.has_any_code(*spec.codes)):
            raise PermissionDenied
        try:
            f = filters_from(request.user, request.GET)
        except ValidationError as exc:
            return HttpResponse(
                "; ".join("%s: %s" % (k, " ".join(v)) for k, v in _errors(exc).items()),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        board = spec.read(
            request.user,
            date_from=f.date_from,
            date_to=f.date_to,
            department_id=f.department_id,
        )
        department = (
            Department.objects.filter(pk=f.department_id)
            .values_list("name", flat=True)
            .first()
            if f.department_id
            else ""
        )
        return download_response(
            dashboard_workbook(
                actor=request.user, board=board, department_name=department or ""
            ),
            "%s-%s-%s.xlsx"
            % (spec.key, f.date_from.isoformat(), f.date_to.isoformat()),
        )


def page_view(key: str):
    spec = DASHBOARDS[key]
    view = type(
        "%sDashboardPage" % key.title(),
        (DashboardPage,),
        {"dashboard": key, "permissions": {"GET": spec.codes}},
    )
    return view.as_view()


def export_view(key: str):
    """An export needs the export code and the page's own; the narrower of the two
    is declared (the channel page's code, held only by roles that may export)."""
    codes = DASHBOARDS[key].codes
    view = type(
        "%sDashboardExport" % key.title(),
        (DashboardExport,),
        {
            "dashboard": key,
            "permissions": {"GET": (P.EXPORT,) if P.VIEW in codes else codes},
        },
    )
    return view.as_view()
