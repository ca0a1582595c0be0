"""The monthly reports (月报): the list, one report (printable, its versions, the
PDF) and generating a new version."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.accounts.models import Department
from lenddesk.performance.catalogue import shift, this_month
from lenddesk.performance.permissions import PerformancePermission as P
from lenddesk.performance.reach import is_firm_wide
from lenddesk.performance.reports import (
    report_generate,
    report_get,
    report_list,
    report_pdf,
    report_versions,
    reportable_departments,
)
from lenddesk.web.access import StaffView
from lenddesk.web.listing import list_page
from lenddesk.web.pages import form_submit, private_response

REPORTS = P.REPORTS  # general manager, team lead, finance (and the administrator)
PAGE = 50


class ReportForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("Month"), max_length=10)
    department = forms.IntegerField(
        label=gettext_lazy("Department"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,
    )


def _list_context(actor, request, form=None) -> dict:
    return {
        "title": _("Monthly reports"),
        "page": list_page(request, report_list(actor), PAGE),
        "form": form or ReportForm(),
        "can_generate": True,
        "firm_wide": is_firm_wide(actor),
        "departments": reportable_departments(actor),
        "last_month": shift(this_month(), -1),
    }


class ReportListView(StaffView):
    permissions = {"GET": (REPORTS,)}

    def get(self, request):
        return render(
            request, "performance/report_list.html", _list_context(self.actor, request)
        )


class ReportGenerateView(StaffView):
    permissions = {"POST": (REPORTS,)}

    def post(self, request):
        form = ReportForm(request.POST)
        answer = form_submit(
            request,
            form,
            lambda data: report_generate(
                actor=self.actor,
                month=data["month"],
                department=self._department(data["department"]),
            ),
            success=_("Report generated."),
            redirect_to=lambda report: reverse(
                "performance:report_detail", args=[report.pk]
            ),
        )
        if answer is not None:
            return answer
        return render(
            request,
            "performance/report_list.html",
            _list_context(self.actor, request, form),
            status=400,
        )

    def _department(self, department_id):
        if department_id is None:
            return None
        department = Department.objects.filter(pk=department_id).first()
        if department is None:
            raise Http404
        return department


class ReportDetailView(StaffView):
    permissions = {"GET": (REPORTS,)}

    def get(self, request, report_id: int):
        report = report_get(self.actor, report_id=report_id)
        name = report.department_name or _("Whole firm")
        return render(
            request,
            "performance/report_detail.html",
            {
                "title": _("Monthly report %(month)s · %(name)s")
                % {"month": report.month.strftime("%Y-%m"), "name": name},
                "report": report,
                "versions": list(report_versions(self.actor, report)),
                "can_generate": report.department_id is not None
                or is_firm_wide(self.actor),
            },
        )


class ReportPdfView(StaffView):
    permissions = {"GET": (REPORTS,)}

    def get(self, request, report_id: int):
        report = report_get(self.actor, report_id=report_id)
        if not report.pdf_name:
            raise Http404
        response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = (
            'attachment; filename="report-%s-%s-v%d.pdf"'
            % (
                report.month.strftime("%Y-%m"),
                report.department_id or "firm",
                report.version,
            )
        )
        return private_response(response)
