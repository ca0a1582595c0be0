"""Call statistics per person, team and day, with a chart and an Excel export."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils.translation import gettext as _

from lenddesk.telephony import stats
from lenddesk.telephony.permissions import TelephonyPermission as P
from lenddesk.telephony.stats_export import stats_workbook
from lenddesk.web.access import StaffView
from lenddesk.web.pages import download_response


def _day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class StatsView(StaffView):
    permissions = {"GET": (P.STATS,)}

    def get(self, request):
        first, last = stats.period(
            _day(request.GET.get("from")), _day(request.GET.get("to"))
        )
        if request.GET.get("export") == "xlsx":
            return download_response(
                stats_workbook(actor=request.user, first=first, last=last),
                "calls-%s-%s.xlsx" % (first.isoformat(), last.isoformat()),
            )
        days = stats.by_day(request.user, first, last)
        people = stats.by_person(request.user, first, last)
        chart = stats.chart_data(days)
        chart["names"] = {
            "calls": _("Calls"),
            "connected": _("Connected"),
            "rate": _("Connect rate (%)"),
        }
        return render(
            request,
            "telephony/stats.html",
            {
                "title": _("Call statistics"),
                "first": first,
                "last": last,
                "people": people,
                "teams": stats.by_team(request.user, first, last, _("No team")),
                "days": days,
                "total": stats.total(people),
                "chart": chart,
            },
        )
