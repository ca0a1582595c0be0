"""Staff and partner statements: month lists, a statement with its lines (each one a
receipt), approval, the month-end build and the Excel export."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from lenddesk.audit.services import audit_record
from lenddesk.commissions import selectors, services
from lenddesk.commissions.audit import CommissionAudit
from lenddesk.commissions.forms import MonthForm
from lenddesk.commissions.models import PartnerPayee, StatementStatus
from lenddesk.commissions.permissions import CommissionPermission as P
from lenddesk.commissions.sheets import download, xlsx_bytes
from lenddesk.commissions.views.common import attempt, month_param, shift
from lenddesk.web.access import StaffView
from lenddesk.web.listing import list_filters, list_page

STATUSES = [s.value for s in StatementStatus]
LINE_HEADERS = (
    gettext_lazy("Receipt date"),
    pgettext_lazy("commission", "Receipt"),
    pgettext_lazy("commission", "Order"),
    gettext_lazy("Role"),
    gettext_lazy("Share (%)"),
    gettext_lazy("Fee collected"),
    gettext_lazy("Base"),
    gettext_lazy("Commission"),
)


SORTS = {
    "name": gettext_lazy("By name"),
    "amount": gettext_lazy("Highest amount first"),
    "lines": gettext_lazy("Most lines first"),
}


def _sorted(request, rows, amount_field: str):
    sort = request.GET.get("sort", "")
    if sort == "amount":
        return rows.order_by("-" + amount_field, "id"), sort
    if sort == "lines":
        return rows.order_by("-line_count", "id"), sort
    return rows, "name"


def _list_context(request, rows, month, amount_field):
    q, status = list_filters(request, STATUSES)
    counts = {s: 0 for s in STATUSES}
    for value in rows.values_list("status", flat=True):
        counts[value] += 1
    if status:
        rows = rows.filter(status=status)
    rows, sort = _sorted(request, rows, amount_field)
    query = request.GET.copy()
    query.pop("page", None)
    query["month"] = month.strftime("%Y-%m")
    return {
        "query": query.urlencode(),
        "sort": sort,
        "sorts": list(SORTS.items()),
        "page": list_page(request, rows),
        "q": q,
        "status": status,
        "month": month,
        "previous": shift(month, -1),
        "next": shift(month, 1),
        "counts": counts,
        "total": sum(counts.values()),
        "status_options": [
            (v, label, counts[v]) for v, label in StatementStatus.choices
        ],
    }


class StaffListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        month = month_param(request)
        q, _status = list_filters(request, STATUSES)
        rows = selectors.staff_statement_list(actor=request.user, month=month, q=q)
        context = _list_context(request, rows, month, "amount_total")
        context["sums"] = {
            "base": sum(s.base_total for s in rows),
            "amount": sum(s.amount_total for s in rows),
        }
        return render(request, "commissions/staff_list.html", context)


class StaffDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, statement_id, status=200):
        statement = selectors.staff_statement_get(
            actor=request.user, statement_id=statement_id
        )
        lines = list(selectors.staff_lines(statement))
        return render(
            request,
            "commissions/staff_detail.html",
            {"statement": statement, "lines": lines},
            status=status,
        )


def approve_and_show(view, request, statement, kind: str):
    """Approve a staff or partner statement; its page again (409) when someone else
    approved it first, else back to it."""
    done = attempt(
        request,
        lambda: services.statement_approve(
            actor=request.user, kind=kind, statement=statement
        ),
        _("Statement approved."),
    )
    if not done:
        return view.get(request, statement.pk, status=409)
    return redirect("commissions:%s_detail" % kind, statement_id=statement.pk)


class StaffApproveView(StaffDetailView):
    permissions = {"POST": (P.APPROVE,)}

    def post(self, request, statement_id):
        statement = selectors.staff_statement_get(
            actor=request.user, statement_id=statement_id
        )
        return approve_and_show(self, request, statement, "staff")


class StaffExportView(StaffView):
    permissions = {"GET": (P.EXPORT,)}

    def get(self, request, statement_id):
        statement = selectors.staff_statement_get(
            actor=request.user, statement_id=statement_id
        )
        rows = [
            [
                line.receipt.occurred_on.isoformat(),
                "#%d" % line.receipt_id,
                line.order.number,
                line.get_role_display(),
                line.share,
                line.fee,
                line.base,
                line.amount,
            ]
            for line in selectors.staff_lines(statement)
        ]
        rows.append(
            [
                "",
                "",
                "",
                _("Total"),
                "",
                "",
                statement.base_total,
                statement.amount_total,
            ]
        )
        name = "%s-%s" % (statement.user.username, statement.month.strftime("%Y%m"))
        data = xlsx_bytes(request.user, name, [str(h) for h in LINE_HEADERS], rows)
        audit_record(
            actor=request.user,
            action=CommissionAudit.EXPORTED,
            target=statement,
            changes={"rows": len(rows) - 1},
        )
        return download(data, "commission-%s.xlsx" % name, "xlsx")


class PartnerListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        month = month_param(request)
        q, _status = list_filters(request, STATUSES)
        rows = selectors.partner_statement_list(actor=request.user, month=month, q=q)
        context = _list_context(request, rows, month, "net")
        context["sums"] = {
            k: sum(getattr(s, k) for s in rows) for k in ("gross", "tax", "net")
        }
        return render(request, "commissions/partner_list.html", context)


class PartnerDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, statement_id, status=200):
        statement = selectors.partner_statement_get(
            actor=request.user, statement_id=statement_id
        )
        payee = PartnerPayee.objects.filter(partner_id=statement.partner_id).first()
        return render(
            request,
            "commissions/partner_detail.html",
            {
                "statement": statement,
                "lines": list(selectors.partner_lines(statement)),
                "payee": payee,
            },
            status=status,
        )


class PartnerApproveView(PartnerDetailView):
    permissions = {"POST": (P.APPROVE,)}

    def post(self, request, statement_id):
        statement = selectors.partner_statement_get(
            actor=request.user, statement_id=statement_id
        )
        return approve_and_show(self, request, statement, "partner")


class MonthBuildView(StaffView):
    """Month-end: add the lines of receipts that have none and price the month."""

    permissions = {"POST": (P.APPROVE,)}

    def post(self, request):
        back = "partner_list" if request.POST.get("back") == "partner" else "staff_list"
        form = MonthForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                "%s: %s"
                % (pgettext("commission", "Month"), " ".join(form.errors["month"])),
            )
            page = PartnerListView() if back == "partner_list" else StaffListView()
            response = page.get(request)
            response.status_code = 400
            return response
        month = form.cleaned_data["month"]
        result = services.statements_build(actor=request.user, month=month)
        messages.success(
            request,
            _("%(staff)s staff and %(partner)s partner statements brought up to date.")
            % result,
        )
        return redirect(
            "%s?month=%s" % (reverse("commissions:" + back), month.strftime("%Y-%m"))
        )


class MonthApproveView(StaffView):
    """Approve every draft statement of the month (staff or partner) at once."""

    permissions = {"POST": (P.APPROVE,)}

    def post(self, request, kind):
        back = "partner_list" if kind == "partner" else "staff_list"
        form = MonthForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                "%s: %s"
                % (pgettext("commission", "Month"), " ".join(form.errors["month"])),
            )
            page = PartnerListView() if kind == "partner" else StaffListView()
            response = page.get(request)
            response.status_code = 400
            return response
        month = form.cleaned_data["month"]
        done = services.statements_approve_month(
            actor=request.user, kind=kind, month=month
        )
        messages.success(request, _("%(n)s statements approved.") % {"n": done})
        return redirect(
            "%s?month=%s" % (reverse("commissions:" + back), month.strftime("%Y-%m"))
        )


class StaffMonthExportView(StaffView):
    """The month's staff statements as one workbook: person, lines, base, commission."""

    permissions = {"GET": (P.EXPORT,)}

    def get(self, request):
        month = month_param(request)
        rows = [
            [
                s.user.display_name or s.user.username,
                s.month.strftime("%Y-%m"),
                str(s.line_count),
                s.base_total,
                s.amount_total,
                s.get_status_display(),
            ]
            for s in selectors.staff_statement_list(actor=request.user, month=month)
        ]
        headers = [
            str(h)
            for h in (
                _("Staff member"),
                pgettext("commission", "Month"),
                _("Lines"),
                _("Fee base"),
                _("Commission"),
                _("Status"),
            )
        ]
        name = month.strftime("%Y%m")
        data = xlsx_bytes(request.user, name, headers, rows)
        audit_record(
            actor=request.user,
            action=CommissionAudit.EXPORTED,
            object_type="commissions.staffstatement",
            object_id=month.strftime("%Y-%m"),
            changes={"rows": len(rows)},
        )
        return download(data, "commissions-%s.xlsx" % name, "xlsx")
