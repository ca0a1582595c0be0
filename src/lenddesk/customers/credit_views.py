"""Credit-report pages: look at a report (a purpose, an authorisation in force, every
look recorded), record or revoke the customer's authorisation, and the query log
(征信查询记录) with its export for the regulator."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.customers import credit_selectors as selectors
from lenddesk.customers.credit_files import credit_log_file, report_response
from lenddesk.customers.credit_forms import ConsentForm, CreditOpenForm, RevokeForm
from lenddesk.customers.models import QueryOutcome, RefusalReason
from lenddesk.customers.permissions import CreditPermission as CP
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.services.credit import (
    authorisation_in_force,
    credit_authorisation_revoke,
    credit_consent_record,
    credit_report_open,
)
from lenddesk.customers.views.detail import (
    OwnedCustomerView,
    owned_customer,
    tab_url,
)
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors, report_outcome
from lenddesk.web.listing import list_page
from lenddesk.web.pages import (
    CSV,
    XLSX,
    download_response,
    form_submit,
    private_response,
)

RECORDING = (P.CHANGE, CP.VIEW)


def _open_context(request, document, form) -> dict:
    authorisation, refusal = authorisation_in_force(
        document.customer, timezone.localdate()
    )
    return {
        "customer": document.customer,
        "document": document,
        "form": form,
        "authorisation": authorisation if not refusal else None,
        "back": tab_url(document.customer_id, "documents"),
    }


class CreditOpenView(OwnedCustomerView):
    """ "查看征信报告": asks the purpose, then serves the report or says why not."""

    permissions = {"GET": (CP.VIEW,), "POST": (CP.VIEW,)}
    template = "customers/credit/open.html"

    def get(self, request, document_id):
        document = selectors.credit_document_get(
            actor=request.user, document_id=document_id
        )
        owned_customer(request, document.customer_id)
        context = _open_context(request, document, CreditOpenForm())
        return private_response(render(request, self.template, context))

    def post(self, request, document_id):
        document = selectors.credit_document_get(
            actor=request.user, document_id=document_id
        )
        form = CreditOpenForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                opening = credit_report_open(
                    actor=request.user, document=document, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if opening.allowed:
                    return report_response(
                        document, opening.data, opening.record.method
                    )
                status = self._refused(form, opening)
        context = {
            **_open_context(request, document, form),
            "refused": status == 403,
        }
        return private_response(render(request, self.template, context, status=status))

    @staticmethod
    def _refused(form, opening) -> int:
        if opening.record.refusal == RefusalReason.NO_PURPOSE:
            form.add_error("purpose", opening.reason)
            return 400
        form.add_error(None, opening.reason)
        return 403


class CreditConsentView(OwnedCustomerView):
    """Record the customer's authorisation (a consent, or a signed form's scan)."""

    permissions = {"GET": RECORDING, "POST": RECORDING}
    template = "customers/credit/consent.html"

    def get(self, request, customer_id):
        customer = owned_customer(request, customer_id)
        return self._page(request, customer, ConsentForm())

    def post(self, request, customer_id):
        customer = owned_customer(request, customer_id)
        form = ConsentForm(request.POST, request.FILES)
        done = form_submit(
            request,
            form,
            lambda data: credit_consent_record(
                actor=request.user, customer=customer, **data
            ),
            success=_("Credit query authorisation recorded."),
            redirect_to=tab_url(customer.pk, "documents"),
        )
        if done:
            return done
        return self._page(request, customer, form, status=400)

    def _page(self, request, customer, form, status=200):
        panel = selectors.customer_credit_panel(actor=request.user, customer=customer)
        context = {"customer": customer, "form": form, "panel": panel}
        return render(request, self.template, context, status=status)


class CreditRevokeView(OwnedCustomerView):
    """The customer withdrew an authorisation (with the reason they gave)."""

    permissions = {"POST": RECORDING}

    def post(self, request, customer_id):
        customer = owned_customer(request, customer_id)
        form = RevokeForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect(tab_url(customer.pk, "documents"))
        authorisation = selectors.authorisation_get(
            actor=request.user,
            customer=customer,
            authorisation_id=form.cleaned_data["authorisation"],
        )
        report_outcome(
            request,
            lambda: credit_authorisation_revoke(
                actor=request.user,
                authorisation=authorisation,
                reason=form.cleaned_data["reason"],
            ),
            _("Authorisation revoked."),
        )
        return redirect(tab_url(customer.pk, "documents"))


class CreditLogView(StaffView):
    """征信查询记录: every look at a credit report in the actor's scope."""

    permissions = {"GET": (CP.LOG,)}

    def get(self, request):
        status, errors = 200, {}
        try:
            filters = selectors.log_filters_from(request.GET)
        except ValidationError as exc:
            status, errors = 400, exc.message_dict
            filters = selectors.LogFilters()
        rows = selectors.credit_log(actor=request.user, filters=filters)
        context = {
            "filters": filters,
            "errors": errors,
            "page": list_page(request, rows),
            "counts": selectors.credit_log_counts(actor=request.user, filters=filters),
            "staff": selectors.credit_log_staff(actor=request.user),
            "outcomes": QueryOutcome.choices,
            "query": filters.query(),
        }
        return render(request, "customers/credit/log.html", context, status=status)


class CreditLogExportView(StaffView):
    """The log as the filters show it, as CSV or Excel for the regulator (audited)."""

    permissions = {"GET": (CP.LOG,)}

    def get(self, request):
        try:
            filters = selectors.log_filters_from(request.GET)
        except ValidationError as exc:
            return render(
                request,
                "web/error.html",
                {"status": 400, "detail": " ".join(exc.messages)},
                status=400,
            )
        fmt = "xlsx" if request.path.endswith(".xlsx") else "csv"
        data, filename = credit_log_file(actor=request.user, filters=filters, fmt=fmt)
        return download_response(data, filename, XLSX if fmt == "xlsx" else CSV)
