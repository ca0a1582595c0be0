"""One customer's page and what is done on it: follow-ups, visits, documents and the
reveal of a phone or ID number."""

from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.customers import selectors
from lenddesk.customers.documents import document_read, document_upload
from lenddesk.customers.errors import CustomerNotOwned
from lenddesk.customers.forms import FollowUpForm, RevealForm, VisitForm
from lenddesk.customers.models import Customer, DocumentKind, FunnelStage, VisitStatus
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.phone_policy import customer_reveal, phone_access, phone_policy
from lenddesk.customers.services.followups import (
    followup_create,
    visit_book,
    visit_set_status,
)
from lenddesk.customers.services.pool import ensure_owned
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.pages import (
    REVEAL_REFUSALS,
    form_submit,
    private_response,
    reveal_refusal,
    reveal_response,
)


class OwnedCustomerView(StaffView):
    """A page that acts on, or reads the history of, one customer. The services'
    ownership rule (a public-pool customer is read-only until claimed) answers 403
    with its message, as the API does."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except CustomerNotOwned as exc:
            return render(
                request,
                "web/error.html",
                {"status": 403, "detail": str(exc)},
                status=403,
            )


def owned_customer(request, customer_id: int) -> Customer:
    """The customer in the actor's reach, refused while it is in the public pool."""
    customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
    ensure_owned(customer)
    return customer


class CustomerDetailView(StaffView):
    permissions = {"GET": (P.VIEW, P.CLAIM)}

    def get(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        return render(
            request, "customers/detail.html", detail_context(request, customer)
        )


def _detail_tabs(owned: bool) -> list[tuple[str, str]]:
    """The customer page's tabs: a pool customer shows only what the list shows."""
    if not owned:
        return [("profile", _("Profile")), ("source", _("Source"))]
    return [
        ("followups", _("Follow-ups and visits")),
        ("matching", _("Product matching")),
        ("timeline", _("Timeline")),
        ("documents", _("Documents")),
        ("profile", _("Profile")),
        ("source", _("Source")),
    ]


def tab_url(customer_id: int, tab: str) -> str:
    """The customer page, on the tab where the action happened."""
    return "%s#%s" % (reverse("customers:detail", args=[customer_id]), tab)


def _phone_context(request, customer) -> dict:
    """What the header's phone fact offers this person under the firm's policy."""
    policy = phone_policy()
    return {
        "phone_policy": policy,
        "phone_access": phone_access(
            actor=request.user, customer=customer, policy=policy
        ),
    }


def _reveal_context(customer: Customer) -> dict:
    """The profile's "show in full" box (``web/_reveal.html``)."""
    return {
        "reveal_url": reverse("customers:reveal", args=[customer.pk]),
        "box_id": "reveal-box",
        "fields": [
            ("phone", _("Mobile phone"), customer.masked("phone")),
            ("id_number", _("National ID number"), customer.masked("id_number")),
        ],
    }


def detail_context(request, customer, **extra) -> dict:
    owned = customer.owner_id is not None
    tabs = _detail_tabs(owned)
    return {
        **_phone_context(request, customer),
        "customer": customer,
        "owned": owned,
        "tabs": tabs,
        "active_tab": extra.pop("active_tab", tabs[0][0]),
        "now": timezone.now(),
        "followups": selectors.customer_followups(customer=customer) if owned else [],
        "visits": selectors.customer_visits(customer=customer) if owned else [],
        "timeline": selectors.customer_timeline(customer=customer) if owned else [],
        "followup_form": extra.pop("followup_form", FollowUpForm()),
        "visit_form": extra.pop("visit_form", VisitForm()),
        "reveal_form": extra.pop("reveal_form", RevealForm()),
        "reveal": _reveal_context(customer),
        "stages": FunnelStage.objects.all(),
        "visit_statuses": VisitStatus.choices,
        "can_change": owned and request.user.has_code(P.CHANGE),
        "documents": customer.documents.select_related("uploaded_by") if owned else [],
        "document_kinds": DocumentKind.choices,
        **extra,
    }


class _FollowUpsTabFormView(OwnedCustomerView):
    """A form of the customer page's follow-ups tab: ``service(actor=, customer=,
    **form data)``, saved and back to the tab, or the page again with the form's
    errors (400) under ``form_name``."""

    permissions = {"POST": (P.CHANGE,)}
    form_class = None
    form_name = ""
    service = None
    success = ""

    def post(self, request, customer_id):
        customer = owned_customer(request, customer_id)
        form = self.form_class(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: self.service(actor=request.user, customer=customer, **data),
            success=str(self.success),
            redirect_to=tab_url(customer.pk, "followups"),
        )
        if done:
            return done
        context = detail_context(request, customer, **{self.form_name: form})
        return render(request, "customers/detail.html", context, status=400)


class FollowUpCreateView(_FollowUpsTabFormView):
    form_class = FollowUpForm
    form_name = "followup_form"
    service = staticmethod(followup_create)
    success = gettext_lazy("Follow-up saved.")


class VisitCreateView(_FollowUpsTabFormView):
    form_class = VisitForm
    form_name = "visit_form"
    service = staticmethod(visit_book)
    success = gettext_lazy("Visit booked.")


class VisitStatusView(OwnedCustomerView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, visit_id):
        visit = selectors.visit_get(actor=request.user, visit_id=visit_id)
        report_outcome(
            request,
            lambda: visit_set_status(
                actor=request.user, visit=visit, status=request.POST.get("status", "")
            ),
            _("Visit updated."),
        )
        return redirect(tab_url(visit.customer_id, "followups"))


class RevealView(OwnedCustomerView):
    """Shows a phone or ID number in full. The header's one-click "show number" is
    an owner's own reveal under the firm's phone policy; the profile's panel asks
    for a purpose. The services decide who may; viewing is enough to ask."""

    permissions = {"POST": (P.VIEW, P.REVEAL_PHONE, P.REVEAL_ID)}

    def post(self, request, customer_id):
        customer = owned_customer(request, customer_id)
        if request.POST.get("shown_in") == "header":
            return private_response(self._own_phone(request, customer))
        return self._with_purpose(request, customer)

    def _with_purpose(self, request, customer):
        return reveal_response(
            request,
            form=RevealForm(request.POST),
            reveal=lambda data: customer_reveal(
                actor=request.user,
                customer=customer,
                field=data["field"],
                purpose=data["purpose"],
            ),
            context=_reveal_context(customer),
        )

    def _own_phone(self, request, customer):
        shown, status = {}, 200
        try:
            shown["revealed_phone"] = customer_reveal(
                actor=request.user, customer=customer, field="phone"
            )
        except REVEAL_REFUSALS as exc:
            shown["phone_error"], status = reveal_refusal(exc)
        if request.htmx:
            context = {"customer": customer, **_phone_context(request, customer)}
            return render(
                request,
                "customers/_phone_fact.html",
                {**context, **shown},
                status=status,
            )
        return render(
            request,
            "customers/detail.html",
            detail_context(request, customer, **shown),
            status=status,
        )


class DocumentUploadView(OwnedCustomerView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, customer_id):
        customer = owned_customer(request, customer_id)
        if "file" not in request.FILES:
            messages.error(request, _("Choose a file to upload."))
            return redirect("customers:detail", customer_id=customer.pk)
        report_outcome(
            request,
            lambda: document_upload(
                actor=request.user,
                customer=customer,
                kind=request.POST.get("kind", ""),
                upload=request.FILES["file"],
            ),
            _("Document saved."),
        )
        return redirect(tab_url(customer.pk, "documents"))


class DocumentDownloadView(OwnedCustomerView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, document_id):
        document = selectors.document_get(actor=request.user, document_id=document_id)
        response = HttpResponse(
            document_read(actor=request.user, document=document),
            content_type=document.content_type,
        )
        response["Content-Disposition"] = "attachment; filename*=UTF-8''%s" % quote(
            document.filename
        )
        response["X-Content-Type-Options"] = "nosniff"
        return private_response(response)
