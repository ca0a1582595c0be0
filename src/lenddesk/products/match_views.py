"""Matching pages: a customer against every product, a past match, which customers
fit a product (reverse matching) and the cost sheet and disclosure of a loan."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.selectors import active_colleagues
from lenddesk.customers.permissions import CustomerPermission
from lenddesk.products import selectors, services
from lenddesk.products.models import JobStatus, RepaymentMethod
from lenddesk.products.permissions import ProductPermission as P
from lenddesk.products.presenters import cost_inputs, inputs_cost_sheet
from lenddesk.web.access import StaffView
from lenddesk.web.params import int_or_none

# The customer page lists the closest misses; its own page lists them all.
PANEL_INELIGIBLE = 20


class CustomerMatchView(StaffView):
    """The products panel of a customer page (htmx fragment) or a page of its own."""

    permissions = {"GET": (P.MATCH,)}

    def get(self, request, customer_id):
        customer = selectors.owned_customer_get(
            actor=request.user, customer_id=customer_id
        )
        outcome = services.match_customer(actor=request.user, customer=customer)
        shown = (
            outcome.ineligible
            if not request.htmx
            else outcome.ineligible[:PANEL_INELIGIBLE]
        )
        context = {
            "outcome": outcome,
            "ineligible": shown,
            "hidden": len(outcome.ineligible) - len(shown),
            "customer": customer,
            "history": selectors.match_runs_of(customer=customer, limit=6)[1:],
            "can_prescreen": request.user.has_code(P.PRESCREEN),
            "prescreens": selectors.prescreens_of(customer=customer, limit=1),
        }
        template = (
            "products/_match_panel.html" if request.htmx else "products/match.html"
        )
        return render(request, template, context)


class MatchRunView(StaffView):
    """A past match, explained with the rule versions it used."""

    permissions = {"GET": (P.MATCH,)}

    def get(self, request, run_id):
        run = selectors.match_run_get(actor=request.user, run_id=run_id)
        outcome = services.match_explain(run=run)
        return render(
            request,
            "products/match.html",
            {
                "outcome": outcome,
                "customer": run.customer,
                "past": True,
                "ineligible": outcome.ineligible,
            },
        )


# --- Reverse matching ---------------------------------------------------------------


class ReverseMatchStartView(StaffView):
    permissions = {"POST": (P.MATCH,)}

    def post(self, request, product_id):
        product = selectors.product_get(product_id=product_id)
        job = services.reverse_match_start(actor=request.user, product=product)
        return redirect("products:reverse", job.pk)


class ReverseMatchView(StaffView):
    permissions = {"GET": (P.MATCH,)}

    def get(self, request, match_job_id):
        job = selectors.job_get(actor=request.user, job_id=match_job_id)
        running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        can_assign = request.user.has_code(CustomerPermission.ASSIGN)
        context = {
            "job": job,
            "running": running,
            "customers": []
            if running
            else selectors.job_customers(actor=request.user, job=job),
            "can_assign": can_assign,
            "colleagues": active_colleagues() if can_assign else [],
        }
        if request.htmx and running:
            return render(request, "products/_reverse_progress.html", context)
        if request.htmx:
            response = HttpResponse()
            response["HX-Refresh"] = "true"
            return response
        return render(request, "products/reverse.html", context)


class ReverseBulkView(StaffView):
    """Acts on chosen customers of a result: a follow-up task each, or (with the
    assign permission) a new owner."""

    permissions = {"POST": (P.MATCH,)}

    def post(self, request, match_job_id):
        job = selectors.job_get(actor=request.user, job_id=match_job_id)
        ids = request.POST.getlist("customer")
        try:
            if request.POST.get("action") == "assign":
                done = self.assign(request, job, ids)
            else:
                done = self.follow_up(request, job, ids)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
        return redirect("products:reverse", job.pk)

    def assign(self, request, job, ids) -> str:
        if not request.user.has_code(CustomerPermission.ASSIGN):
            raise PermissionDenied
        owner = (
            active_colleagues()
            .filter(pk=int_or_none(request.POST.get("owner")))
            .first()
        )
        if owner is None:
            raise ValidationError({"owner": _("Choose an active colleague.")})
        n = services.reverse_bulk_assign(
            actor=request.user, job=job, customer_ids=ids, owner=owner
        )
        return _("%(n)d customers assigned to %(owner)s.") % {"n": n, "owner": owner}

    def follow_up(self, request, job, ids) -> str:
        n = services.reverse_bulk_followup(
            actor=request.user,
            job=job,
            customer_ids=ids,
            note=request.POST.get("note", ""),
        )
        return _("%(n)d follow-up tasks created for tomorrow.") % {"n": n}


# --- Cost and disclosure -------------------------------------------------------------


class CostView(StaffView):
    permissions = {"GET": (P.VIEW,)}
    template = "products/cost.html"
    customer_required = False

    def customer(self, request):
        customer_id = int_or_none(request.GET.get("customer"))
        if not customer_id:
            if self.customer_required:
                raise Http404
            return None
        return selectors.owned_customer_get(actor=request.user, customer_id=customer_id)

    def get(self, request, product_id):
        product = selectors.product_get(product_id=product_id)
        if not product.repayment_methods:
            raise Http404
        customer = self.customer(request)
        inputs, errors = cost_inputs(product, request.GET, customer)
        sheet = None
        if not errors:
            sheet = inputs_cost_sheet(product, inputs)
            self.record(request, customer, product, sheet)
        return render(
            request,
            self.template,
            {
                "product": product,
                "customer": customer,
                "inputs": inputs,
                "errors": errors,
                "sheet": sheet,
                "methods": [
                    (m, label)
                    for m, label in RepaymentMethod.choices
                    if m in product.repayment_methods
                ],
                "query": request.GET.urlencode(),
                "today": timezone.localdate(),
            },
            status=400 if errors and request.GET else 200,
        )

    def record(self, request, customer, product, sheet) -> None:
        pass


class DisclosureView(CostView):
    """The printable all-in cost disclosure (贷款明白纸) the customer signs."""

    permissions = {"GET": (P.MATCH,)}
    template = "products/disclosure.html"
    customer_required = True

    def record(self, request, customer, product, sheet) -> None:
        services.disclosure_record(
            actor=request.user, customer=customer, product=product, sheet=sheet
        )
