"""The list behind a number (``/analytics/drill/<metric>/``) and its Excel export."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lenddesk.analytics import drill
from lenddesk.analytics.errors import AnalyticsError as E
from lenddesk.analytics.metrics import METRICS_BY_CODE
from lenddesk.analytics.permissions import AnalyticsPermission as P
from lenddesk.audit.services import audit_record
from lenddesk.security.text import neutralise_formula
from lenddesk.web.access import StaffView
from lenddesk.web.pages import download_response
from lenddesk.web.params import int_or_none

EXPORT_MAX = 50_000
DRILL_EXPORTED = "analytics.drill_exported"  # the audit action of an export
KEEP = (
    "from",
    "to",
    "user",
    "department",
    "channel",
    "funder",
    "product",
    "ad_account",
)


def _field_labels() -> dict[str, str]:
    return {
        "from": _("Start date"),
        "to": _("End date"),
        "user": _("Person"),
        "department": _("Department"),
        "channel": _("Channel"),
        "funder": _("Funder"),
        "product": _("Product"),
        "ad_account": _("Ad account"),
        "metric": pgettext("analytics", "Metric"),
    }


def _errors(exc: ValidationError) -> list[dict]:
    labels = _field_labels()
    return [
        {"field": field, "label": labels.get(field, field), "messages": messages}
        for field, messages in exc.message_dict.items()
    ]


def _filters(request, metric: str) -> drill.Filters:
    if metric not in METRICS_BY_CODE:
        raise Http404
    if metric == drill.SPEND and not request.user.has_any_code(P.CHANNELS):
        raise PermissionDenied
    return drill.parse_filters(metric, request.GET)


def _query(request) -> str:
    return urlencode([(k, request.GET[k]) for k in KEEP if k in request.GET])


def _refused(request, metric: str, exc: ValidationError):
    metric_label = METRICS_BY_CODE[metric].label if metric in METRICS_BY_CODE else ""
    return render(
        request,
        "analytics/drill.html",
        {"title": metric_label, "errors": _errors(exc), "rows": []},
        status=400,
    )


class DrillView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, metric):
        try:
            f = _filters(request, metric)
        except ValidationError as exc:
            return _refused(request, metric, exc)
        listing = drill.Listing(request.user, f)
        count, amount = listing.total()
        pages = max(1, -(-count // drill.PAGE_SIZE))
        page = min(int_or_none(request.GET.get("page"), high=10**6) or 1, pages)
        query = _query(request)
        return render(
            request,
            "analytics/drill.html",
            {
                "title": drill.title(f),
                "metric": METRICS_BY_CODE[metric],
                "filters": f,
                "count": count,
                "amount": amount,
                "rows": listing.page((page - 1) * drill.PAGE_SIZE),
                "page": page,
                "pages": pages,
                "query": query,
                "export_url": "%s?%s"
                % (reverse("analytics:drill_export", args=[metric]), query),
                "may_export": request.user.has_any_code(P.EXPORT),
            },
        )


def _headers() -> list[str]:
    return [
        _("Date"),
        _("Person"),
        _("Customer"),
        pgettext("loan order", "Order"),
        _("Channel"),
        _("Details"),
        _("Amount (yuan)"),
    ]


def workbook(listing: drill.Listing, title: str) -> bytes:
    """The rows as an xlsx: masked names only, every text cell neutralised."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(str(listing.label)[:31])
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 0, neutralise_formula(title), bold)
    sheet.write_row(1, 0, _headers(), bold)
    for n, row in enumerate(listing.all_rows(), start=2):
        texts = [
            row.when,
            row.person,
            row.customer,
            row.order_number,
            row.channel,
            row.detail,
        ]
        for col, text in enumerate(texts):
            sheet.write_string(n, col, neutralise_formula(text))
        if row.amount is not None:
            sheet.write_number(n, len(texts), float(row.amount))
    sheet.set_column(0, 0, 17)
    sheet.set_column(1, 5, 14)
    book.close()
    return out.getvalue()


class DrillExportView(StaffView):
    permissions = {"GET": (P.EXPORT,)}

    def get(self, request, metric):
        try:
            f = _filters(request, metric)
            listing = drill.Listing(request.user, f)
            count, _amount = listing.total()
            if count > EXPORT_MAX:
                raise ValidationError(
                    {
                        "from": ValidationError(
                            _("More than %d rows: choose fewer days.") % EXPORT_MAX,
                            code=E.TOO_MANY_ROWS,
                        )
                    }
                )
        except ValidationError as exc:
            return _refused(request, metric, exc)
        title = drill.title(f)
        response = download_response(
            workbook(listing, title),
            "%s-%s-%s.xlsx" % (metric, f.date_from.isoformat(), f.date_to.isoformat()),
        )
        audit_record(
            actor=request.user,
            action=DRILL_EXPORTED,
            object_type="analytics.drill",
            object_repr=title[:200],
            changes={"metric": metric, "rows": count, "query": _query(request)},
        )
        return response
