"""Exports: the download from the list's filters, my exports, and the approvals of
large ones."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lenddesk.customers import selectors
from lenddesk.customers.export_files import export_file
from lenddesk.customers.exports import ExportQueued, customers_export, export_decide
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.pages import download_response, private_response


class ExportView(StaffView):
    """GET with the list's filters downloads the workbook (masked); POST asks for full
    numbers with a purpose."""

    permissions = {"GET": (P.EXPORT,), "POST": (P.EXPORT,)}

    def get(self, request):
        return self._export(request, full=False, purpose="")

    def post(self, request):
        return self._export(
            request,
            full=request.POST.get("full_numbers") == "1",
            purpose=request.POST.get("purpose", ""),
        )

    def _export(self, request, *, full, purpose):
        query = request.GET.urlencode()
        try:
            handle, filename, _rows = customers_export(
                actor=request.user,
                filters=selectors.filters_from(request.GET),
                full_numbers=full,
                purpose=purpose,
                query=query,
            )
        except ExportQueued as queued:
            messages.info(
                request,
                _(
                    "This export has %d rows: it needs a manager's approval first. "
                    "You will be notified, then download it from My exports."
                )
                % queued.job.estimated_rows,
            )
            return render(
                request,
                "customers/exports.html",
                {"jobs": selectors.exports_of(actor=request.user)},
                status=202,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("customers:list")
        stream = open(handle.name, "rb")  # noqa: SIM115 - FileResponse closes it
        response = FileResponse(stream, as_attachment=True, filename=filename)
        response["X-Content-Type-Options"] = "nosniff"
        handle.close()
        return private_response(response)


class ExportListView(StaffView):
    permissions = {"GET": (P.EXPORT,)}

    def get(self, request):
        return render(
            request,
            "customers/exports.html",
            {"jobs": selectors.exports_of(actor=request.user)},
        )


class ExportDownloadView(StaffView):
    permissions = {"GET": (P.EXPORT,)}

    def get(self, request, job_id):
        job = selectors.export_get(actor=request.user, job_id=job_id, completed=True)
        return download_response(
            export_file(actor=request.user, job=job), "customers-%d.xlsx" % job.pk
        )


class ExportApprovalListView(StaffView):
    permissions = {"GET": (P.EXPORT_APPROVE,)}

    def get(self, request):
        return render(
            request,
            "customers/export_approvals.html",
            {"jobs": selectors.exports_awaiting_approval(actor=request.user)},
        )


class ExportDecideView(StaffView):
    permissions = {"POST": (P.EXPORT_APPROVE,)}

    def post(self, request, job_id):
        job = selectors.export_pending_get(actor=request.user, job_id=job_id)
        approve = request.POST.get("decision") == "approve"
        report_outcome(
            request,
            lambda: export_decide(
                actor=request.user,
                job=job,
                approve=approve,
                note=request.POST.get("note", ""),
            ),
            _("Export approved: it is being prepared.")
            if approve
            else _("Export rejected."),
        )
        return redirect("customers:export_approvals")
