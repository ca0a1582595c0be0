"""Click-to-call (拨打), the call records, the after-call form and the recordings."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.customers.errors import CustomerNotOwned
from lenddesk.customers.selectors import customer_get
from lenddesk.telephony import selectors
from lenddesk.telephony.forms import CallFilterForm, CallNoteForm
from lenddesk.telephony.permissions import TelephonyPermission as P
from lenddesk.telephony.services.calls import (
    call_note,
    call_refusal_record,
    call_start,
)
from lenddesk.telephony.services.config import telephony_settings
from lenddesk.telephony.services.recordings import recording_read
from lenddesk.web.access import StaffView
from lenddesk.web.errors import status_for
from lenddesk.web.listing import list_page
from lenddesk.web.pages import form_submit, private_response

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class CallStartView(StaffView):
    """POST from the 拨打 button: answers the call panel, or the refusal with its
    reason (htmx); without htmx, a message and the customer page."""

    permissions = {"POST": (P.CALL,)}

    def post(self, request, customer_id):
        customer = customer_get(actor=request.user, customer_id=customer_id)
        try:
            call = call_start(actor=request.user, customer=customer)
        except (ValidationError, CustomerNotOwned) as exc:
            reason = " ".join(exc.messages) if hasattr(exc, "messages") else str(exc)
            code = None if isinstance(exc, CustomerNotOwned) else exc.code
            if code:
                call_refusal_record(actor=request.user, customer=customer, code=code)
            if not _htmx(request):
                messages.error(request, reason)
                return redirect("customers:detail", customer.pk)
            return render(
                request,
                "telephony/_call_refused.html",
                {"reason": reason, "customer": customer},
                status=status_for(code) if code else 403,
            )
        if not _htmx(request):
            return redirect("telephony:call_detail", call.pk)
        notice = telephony_settings().recording_notice
        return render(
            request, "telephony/_call_started.html", {"call": call, "notice": notice}
        )


class CallListView(StaffView):
    permissions = {"GET": (P.RECORDS,)}

    def get(self, request):
        form = CallFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        rows = selectors.call_list(
            actor=request.user,
            result=filters.get("result") or "",
            day=filters.get("day"),
            sort=filters.get("sort") or "-started_at",
        )
        page = list_page(request, rows)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "telephony/calls.html",
            {
                "title": _("Call records"),
                "form": form,
                "page": page,
                "total": page.paginator.count,
                "query": query.urlencode(),
            },
        )


class CallDetailView(StaffView):
    """One call: its facts, its recording (for permitted roles) and the after-call
    form (the caller's, once)."""

    permissions = {"GET": (P.RECORDS,), "POST": (P.CALL,)}

    def _page(self, request, call, form, status=200):
        return render(
            request,
            "telephony/call_detail.html",
            {
                "call": call,
                "form": form,
                "may_note": call.staff_id == request.user.pk and call.noted_at is None,
            },
            status=status,
        )

    def get(self, request, call_id):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        return self._page(request, call, CallNoteForm())

    def post(self, request, call_id):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        if call.staff_id != request.user.pk:
            return self._page(request, call, CallNoteForm(), status=403)
        form = CallNoteForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: call_note(actor=request.user, call=call, **data),
            success=_("Call result saved; the follow-up is on the customer's page."),
            redirect_to=reverse("customers:detail", args=[call.customer_id]),
        )
        return done or self._page(request, call, form, status=400)


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) of a single ``bytes=`` range, or None for no/unusable range."""
    match = RANGE.match(header.strip())
    if not match or size == 0:
        return None
    start, end = match.groups()
    if start == "" and end == "":
        return None
    if start == "":
        first, last = max(0, size - int(end)), size - 1
    else:
        first, last = int(start), min(int(end) if end else size - 1, size - 1)
    if first > last or first >= size:
        return (-1, -1)
    return first, last


class RecordingView(StaffView):
    """The recording, with HTTP byte ranges (206) for the page's audio player;
    ``?download=1`` answers it as a file. Both audited."""

    permissions = {"GET": (P.RECORDINGS,)}

    def get(self, request, call_id):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        if not call.has_recording:
            return HttpResponse(status=404)
        download = request.GET.get("download") == "1"
        header = request.headers.get("Range", "")
        span = _byte_range(header, call.recording_size) if header else None
        first_request = span is None or span[0] == 0
        data = recording_read(
            actor=request.user, call=call, download=download, first=first_request
        )
        size = len(data)
        if span == (-1, -1):
            response = HttpResponse(status=416)
            response["Content-Range"] = "bytes */%d" % size
            return private_response(response)
        if span is None:
            response = HttpResponse(data, content_type="audio/wav")
        else:
            first, last = span
            response = HttpResponse(
                data[first : last + 1], content_type="audio/wav", status=206
            )
            response["Content-Range"] = "bytes %d-%d/%d" % (first, last, size)
        response["Accept-Ranges"] = "bytes"
        response["X-Content-Type-Options"] = "nosniff"
        if download:
            response["Content-Disposition"] = (
                'attachment; filename="call-%d.wav"' % call.pk
            )
        return private_response(response)
