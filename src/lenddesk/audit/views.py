from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.audit import export, selectors, services
from lenddesk.audit.forms import AuditFilterForm
from lenddesk.audit.permissions import AuditPermission
from lenddesk.audit.selectors import EventPage
from lenddesk.web.access import StaffView
from lenddesk.web.pages import private_response


def _render_list(
    request: HttpRequest, form: AuditFilterForm, page: EventPage, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "tenant_tz": request.tenant.time_zone,
        },
        status=status,
    )


class EventListView(StaffView):
    permissions = {"GET": (AuditPermission.VIEW,)}

    def get(self, request):
        form = AuditFilterForm(request.GET)
        if not form.is_valid():
            return _render_list(request, form, EventPage([], None, None), status=400)
        events = selectors.event_list(actor=self.actor, filters=form.filters)
        page = selectors.event_page(
            events,
            before=form.cleaned_data["before"],
            after=form.cleaned_data["after"],
        )
        return _render_list(request, form, page)


class EventDetailView(StaffView):
    permissions = {"GET": (AuditPermission.VIEW,)}

    def get(self, request, seq: int):
        event = selectors.event_get(actor=self.actor, seq=seq)
        return render(
            request,
            "audit/event_detail.html",
            {"event": event, "tenant_tz": self.tenant.time_zone},
        )


class EventExportView(StaffView):
    permissions = {"GET": (AuditPermission.EXPORT,)}

    def get(self, request):
        form = AuditFilterForm(request.GET)
        if not form.is_valid():
            return _render_list(request, form, EventPage([], None, None), status=400)
        plan = services.audit_export_start(actor=self.actor, filters=form.filters)
        now = timezone.now()
        response = StreamingHttpResponse(
            export.csv_stream(
                export=plan, tenant=self.tenant, username=self.actor.username, at=now
            ),
            content_type="text/csv; charset=utf-8",
        )
        filename = "audit-%s-%s.csv" % (self.tenant.slug, now.strftime("%Y%m%d-%H%M%S"))
        response["Content-Disposition"] = 'attachment; filename="%s"' % filename
        return private_response(response)


class ChainVerifyView(StaffView):
    permissions = {"POST": (AuditPermission.VIEW,)}

    def post(self, request):
        report = services.verify_chain()
        if report.ok:
            messages.success(
                request,
                _("The audit chain is intact: %(count)d rows checked.")
                % {"count": report.checked},
            )
        else:
            messages.error(
                request,
                _("The audit chain is broken at row %(seq)d: %(problem)s.")
                % {"seq": report.first_bad_seq, "problem": report.problem},
            )
        return redirect("audit:event_list")
