"""Contract pages: the list within the data scope, one contract with its versions
and moves, generating from an order, downloads."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.contracts import selectors
from lenddesk.contracts.errors import ContractError
from lenddesk.contracts.forms import GenerateForm, SignForm, StepForm, VoidForm
from lenddesk.contracts.models import ContractKind, ContractStatus
from lenddesk.contracts.pdf import pdf_available
from lenddesk.contracts.permissions import ContractPermission as P
from lenddesk.contracts.services import (
    contract_file,
    contract_generate,
    contract_regenerate,
    contract_send,
    contract_sign,
    contract_void,
)
from lenddesk.contracts.services.contracts import MOVES, REGENERATE_FROM
from lenddesk.orders.selectors import order_get
from lenddesk.web.access import StaffView
from lenddesk.web.listing import list_page
from lenddesk.web.pages import form_submit, private_response

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def contract_url(contract) -> str:
    return reverse("contracts:detail", args=[contract.pk])


class ContractListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        filters = selectors.filters_from(request.GET)
        rows = selectors.contract_list(actor=request.user, filters=filters)
        page = list_page(request, rows)
        counts = selectors.status_counts(actor=request.user, filters=filters)
        query = request.GET.copy()
        query.pop("page", None)
        without_status = query.copy()
        without_status.pop("status", None)
        return render(
            request,
            "contracts/list.html",
            {
                "page": page,
                "filters": filters,
                "total": sum(counts.values()),
                "tabs": [
                    (value, label, counts.get(value, 0))
                    for value, label in ContractStatus.choices
                ],
                "kinds": ContractKind.choices,
                "query": query.urlencode(),
                "query_without_status": without_status.urlencode(),
            },
        )


def detail_context(request, contract, **forms) -> dict:
    return {
        "contract": contract,
        "order": contract.order,
        "versions": selectors.contract_versions(actor=request.user, contract=contract),
        "can_send": contract.status in MOVES["send"][0],
        "can_sign": contract.status in MOVES["sign"][0],
        "can_void": contract.status in MOVES["void"][0],
        "can_regenerate": contract.status in REGENERATE_FROM,
        "void_form": forms.get("void_form") or VoidForm(),
        "sign_form": forms.get("sign_form") or SignForm(),
        "pdf_available": pdf_available(),
    }


class ContractDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, contract_id):
        contract = selectors.contract_get(actor=request.user, contract_id=contract_id)
        return render(
            request, "contracts/detail.html", detail_context(request, contract)
        )


class ContractGenerateView(StaffView):
    """Generate a contract of a chosen type for an order (from the order page's
    contracts panel)."""

    permissions = {"GET": (P.GENERATE,), "POST": (P.GENERATE,)}

    def _render(self, request, order, form, status=200):
        return render(
            request,
            "contracts/generate.html",
            {
                "order": order,
                "form": form,
                "with_template": selectors.kinds_with_template(),
                "pdf_available": pdf_available(),
            },
            status=status,
        )

    def get(self, request, order_id):
        order = order_get(actor=request.user, order_id=order_id)
        initial = {}
        if request.GET.get("kind") in ContractKind.values:
            initial["kind"] = request.GET["kind"]
        return self._render(request, order, GenerateForm(initial=initial))

    def post(self, request, order_id):
        order = order_get(actor=request.user, order_id=order_id)
        form = GenerateForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: contract_generate(
                actor=request.user, order=order, kind=data["kind"]
            ),
            success=lambda contract: (
                _("Contract %(number)s generated.") % {"number": contract.number}
            ),
            redirect_to=contract_url,
        )
        return done or self._render(request, order, form, status=400)


class ContractStepView(StaffView):
    """One of the contract page's buttons: ``send``, ``regenerate``, ``void`` or
    ``sign``. A refusal shows the contract as it now stands with the reason (400, or
    409 when someone else changed it first)."""

    step = "send"
    permissions = {"POST": (P.GENERATE,)}
    MESSAGES = {
        "send": gettext_lazy("Marked as sent to the customer."),
        "regenerate": gettext_lazy("A new version was generated."),
        "void": gettext_lazy("The contract is void."),
        "sign": gettext_lazy("The contract is signed."),
    }

    def _action(self, request, contract):
        user = request.user
        if self.step == "send":
            return lambda data: contract_send(actor=user, contract=contract)
        if self.step == "regenerate":
            return lambda data: contract_regenerate(actor=user, contract=contract)
        if self.step == "void":
            return lambda data: contract_void(
                actor=user, contract=contract, reason=data["reason"]
            )
        return lambda data: contract_sign(
            actor=user, contract=contract, scan=data["scan"]
        )

    def _form(self, request):
        if self.step == "void":
            return VoidForm(request.POST)
        if self.step == "sign":
            return SignForm(request.POST, request.FILES)
        return StepForm(request.POST)

    def post(self, request, contract_id):
        contract = selectors.contract_get(actor=request.user, contract_id=contract_id)
        form = self._form(request)
        try:
            done = form_submit(
                request,
                form,
                self._action(request, contract),
                success=str(self.MESSAGES[self.step]),
                redirect_to=contract_url,
            )
        except PermissionDenied as exc:  # a public-pool customer: nothing to file
            form.add_error(None, str(exc))
            done = None
        if done:
            return done
        contract = selectors.contract_get(actor=request.user, contract_id=contract_id)
        context = detail_context(request, contract, **{"%s_form" % self.step: form})
        context["failed"] = self.step
        context["step_errors"] = form.non_field_errors()
        status = 409 if _is_conflict(form) else 400
        return render(request, "contracts/detail.html", context, status=status)


def _is_conflict(form) -> bool:
    return any(
        getattr(error, "code", None) == ContractError.CHANGED
        for error in form.errors.as_data().get("__all__", [])
    )


class ContractSignView(ContractStepView):
    """Signing and voiding need ``contracts.sign``."""

    permissions = {"POST": (P.SIGN,)}


class ContractDownloadView(StaffView):
    permissions = {"GET": (P.VIEW,)}
    fmt = "docx"

    def get(self, request, contract_id, number):
        fmt = self.fmt
        contract = selectors.contract_get(actor=request.user, contract_id=contract_id)
        version = selectors.version_get(
            actor=request.user, contract=contract, number=number
        )
        try:
            data, filename = contract_file(actor=request.user, version=version, fmt=fmt)
        except ValidationError:
            raise Http404 from None
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = 'attachment; filename="%s"' % filename
        return private_response(response)
