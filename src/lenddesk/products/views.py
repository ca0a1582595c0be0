import datetime as dt
import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Role, User, UserStatus
from lenddesk.accounts.selectors import active_colleagues
from lenddesk.customers.permissions import CustomerPermission
from lenddesk.customers.selectors import customer_get, int_or_none
from lenddesk.products import selectors, services
from lenddesk.products.cost import cost_sheet
from lenddesk.products.forms import FunderForm, ProductForm, band_rows, rule_rows
from lenddesk.products.models import (
    JobStatus,
    ProductType,
    RepaymentMethod,
    ReviewState,
)
from lenddesk.products.permissions import ProductPermission as P
from lenddesk.products.presenters import cost_inputs, decimal_or_none, explain_lines
from lenddesk.products.rules import (
    BOOL,
    CATALOGUE,
    INT,
    MONEY,
    OPERATOR_LABELS,
    attribute_choices,
    rule_text,
)
from lenddesk.products.services import HARD_RULES
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors

# The customer page lists the closest misses; its own page lists them all.
PANEL_INELIGIBLE = 20


def _operators() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in OPERATOR_LABELS.items()]


def _row_key() -> str:
    return secrets.token_hex(4)


# --- Products and funders ---------------------------------------------------------


class ProductListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        product_type = request.GET.get("type", "")
        product_type = product_type if product_type in ProductType.values else ""
        active = {"1": True, "0": False}.get(request.GET.get("active", ""))
        products = selectors.product_list(
            product_type=product_type,
            funder_id=int_or_none(request.GET.get("funder")),
            active=active,
        )
        return render(
            request,
            "products/list.html",
            {
                "products": products,
                "types": ProductType.choices,
                "funders": selectors.funder_list(),
                "type": product_type,
                "active": request.GET.get("active", ""),
                "funder": int_or_none(request.GET.get("funder")),
            },
        )


def _product_data(form) -> dict:
    data = dict(form.cleaned_data)
    data["repayment_methods"] = list(data["repayment_methods"])
    data["required_documents"] = list(data["required_documents"])
    return data


class ProductCreateView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def get(self, request):
        initial = {"repayment_methods": [RepaymentMethod.EQUAL_INSTALMENT]}
        funder = int_or_none(request.GET.get("funder"))
        if funder:
            initial["funder"] = funder
        return render(
            request, "products/form.html", {"form": ProductForm(initial=initial)}
        )

    def post(self, request):
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product = services.product_save(
                    actor=request.user, data=_product_data(form)
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Product saved. Now add its rules."))
                return redirect("products:detail", product.pk)
        return render(request, "products/form.html", {"form": form}, status=400)


class ProductEditView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def get(self, request, product_id):
        product = selectors.product_get(product_id=product_id)
        initial = {f: getattr(product, f) for f in services.PRODUCT_FIELDS}
        return render(
            request,
            "products/form.html",
            {"form": ProductForm(initial=initial), "product": product},
        )

    def post(self, request, product_id):
        product = selectors.product_get(product_id=product_id)
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                services.product_save(
                    actor=request.user, data=_product_data(form), product=product
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Product saved."))
                return redirect("products:detail", product.pk)
        return render(
            request,
            "products/form.html",
            {"form": form, "product": product},
            status=400,
        )


def _editor_rows(rules) -> list[dict]:
    return [
        {
            "key": _row_key(),
            "field": r.get("field", ""),
            "op": r.get("op", ""),
            "value": ", ".join(r["value"])
            if isinstance(r.get("value"), list)
            else ("" if r.get("value") is None else r.get("value")),
            "message": r.get("message", ""),
        }
        for r in rules
    ]


def _detail_context(request, product, **extra) -> dict:
    in_force = selectors.rule_set_in_force(product)
    versions = list(selectors.rule_sets_of(product))
    return {
        "product": product,
        "in_force": in_force,
        "in_force_rules": [rule_text(r) for r in (in_force.rules if in_force else [])],
        "versions": versions,
        "today": timezone.localdate(),
        "rows": extra.pop(
            "rows",
            _editor_rows(in_force.rules if in_force else []) or [{"key": _row_key()}],
        ),
        "attributes": attribute_choices(),
        "operators": _operators(),
        "rule_errors": extra.pop("rule_errors", []),
        "jobs": selectors.jobs_of(actor=request.user, product=product)
        if request.user.has_code(P.MATCH)
        else [],
        "methods": RepaymentMethod.choices,
        **extra,
    }


class ProductDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, product_id):
        product = selectors.product_get(product_id=product_id)
        return render(
            request, "products/detail.html", _detail_context(request, product)
        )


class RulesSaveView(StaffView):
    """Saves the editor's rows as a new version of the product's rules."""

    permissions = {"POST": (P.MANAGE,)}

    def post(self, request, product_id):
        product = selectors.product_get(product_id=product_id)
        rows = rule_rows(request.POST)
        effective = request.POST.get("effective_from", "")
        try:
            effective_from = dt.date.fromisoformat(effective) if effective else None
        except ValueError:
            effective_from = None
            errors = [_("In force from: give a date like 2026-12-01.")]
        else:
            errors = []
        if not errors:
            try:
                rule_set = services.rules_save(
                    actor=request.user,
                    product=product,
                    rows=rows,
                    effective_from=effective_from,
                    note=request.POST.get("note", ""),
                )
            except ValidationError as exc:
                errors = exc.message_dict.get("rules", exc.messages)
            else:
                messages.success(
                    request,
                    _("Rules saved as version %(v)d, in force from %(d)s.")
                    % {"v": rule_set.version, "d": rule_set.effective_from},
                )
                return redirect("products:detail", product.pk)
        context = _detail_context(
            request, product, rows=rows or [{"key": _row_key()}], rule_errors=errors
        )
        return render(request, "products/detail.html", context, status=400)


class RuleRowView(StaffView):
    """One empty editor row (htmx: added at the end of the list); ``remove`` answers
    nothing so htmx can drop the row it was asked from."""

    permissions = {"GET": (P.MANAGE,)}

    def get(self, request):
        if request.GET.get("remove"):
            return HttpResponse("")
        kind = request.GET.get("kind", "rule")
        if kind == "band":
            return render(
                request,
                "products/_band_row.html",
                {"row": {"key": _row_key()}, "attributes": _band_attributes()},
            )
        return render(
            request,
            "products/_rule_row.html",
            {
                "row": {"key": _row_key()},
                "attributes": attribute_choices(),
                "operators": _operators(),
            },
        )


class FunderListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        from django.db.models import Count

        funders = selectors.funder_list().annotate(product_count=Count("products"))
        return render(request, "products/funders.html", {"funders": funders})


class FunderCreateView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def get(self, request):
        return render(request, "products/funder_form.html", {"form": FunderForm()})

    def post(self, request):
        form = FunderForm(request.POST)
        if form.is_valid():
            try:
                services.funder_save(actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Funder saved."))
                return redirect("products:funders")
        return render(request, "products/funder_form.html", {"form": form}, status=400)


class FunderEditView(StaffView):
    permissions = {"GET": (P.VIEW,), "POST": (P.MANAGE,)}

    def get(self, request, funder_id):
        funder = selectors.funder_get(funder_id=funder_id)
        initial = {f: getattr(funder, f) for f in services.FUNDER_FIELDS}
        return render(
            request,
            "products/funder_form.html",
            {
                "form": FunderForm(initial=initial),
                "funder": funder,
                "products": selectors.product_list(funder_id=funder.pk),
                "can_manage": request.user.has_code(P.MANAGE),
            },
        )

    def post(self, request, funder_id):
        funder = selectors.funder_get(funder_id=funder_id)
        form = FunderForm(request.POST)
        if form.is_valid():
            try:
                services.funder_save(
                    actor=request.user, data=form.cleaned_data, funder=funder
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Funder saved."))
                return redirect("products:funders")
        return render(
            request,
            "products/funder_form.html",
            {"form": form, "funder": funder, "can_manage": True},
            status=400,
        )


# --- Matching -----------------------------------------------------------------------


def _owned_customer(request, customer_id):
    customer = customer_get(actor=request.user, customer_id=customer_id)
    if customer.owner_id is None:
        raise Http404
    return customer


class CustomerMatchView(StaffView):
    """The products panel of a customer page (htmx fragment) or a page of its own."""

    permissions = {"GET": (P.MATCH,)}

    def get(self, request, customer_id):
        customer = _owned_customer(request, customer_id)
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
        context = {
            "job": job,
            "running": running,
            "customers": []
            if running
            else selectors.job_customers(actor=request.user, job=job),
            "can_assign": request.user.has_code(CustomerPermission.ASSIGN),
            "colleagues": active_colleagues()
            if request.user.has_code(CustomerPermission.ASSIGN)
            else [],
        }
        if request.htmx and running:
            return render(request, "products/_reverse_progress.html", context)
        if request.htmx:
            response = HttpResponse()
            response["HX-Refresh"] = "true"
            return response
        return render(request, "products/reverse.html", context)


class ReverseBulkView(StaffView):
    permissions = {"POST": (P.MATCH,)}

    def post(self, request, match_job_id):
        job = selectors.job_get(actor=request.user, job_id=match_job_id)
        ids = request.POST.getlist("customer")
        action = request.POST.get("action")
        try:
            if action == "assign":
                if not request.user.has_code(CustomerPermission.ASSIGN):
                    raise PermissionDenied
                owner = User.objects.filter(
                    pk=int_or_none(request.POST.get("owner")),
                    status=UserStatus.ACTIVE,
                ).first()
                if owner is None:
                    raise ValidationError({"owner": _("Choose an active colleague.")})
                n = services.reverse_bulk_assign(
                    actor=request.user, job=job, customer_ids=ids, owner=owner
                )
                messages.success(
                    request,
                    _("%(n)d customers assigned to %(owner)s.")
                    % {"n": n, "owner": owner},
                )
            else:
                n = services.reverse_bulk_followup(
                    actor=request.user,
                    job=job,
                    customer_ids=ids,
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request, _("%(n)d follow-up tasks created for tomorrow.") % {"n": n}
                )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("products:reverse", job.pk)


# --- Cost and disclosure -------------------------------------------------------------


class CostView(StaffView):
    permissions = {"GET": (P.VIEW,)}
    template = "products/cost.html"

    def customer(self, request):
        customer_id = int_or_none(request.GET.get("customer"))
        return _owned_customer(request, customer_id) if customer_id else None

    def get(self, request, product_id):
        product = selectors.product_get(product_id=product_id)
        if not product.repayment_methods:
            raise Http404
        customer = self.customer(request)
        inputs, errors = cost_inputs(product, request.GET, customer)
        sheet = None
        if not errors:
            sheet = cost_sheet(
                product=product,
                amount=inputs["amount"],
                term=inputs["term"],
                method=inputs["method"],
                annual_rate=inputs["rate"],
                ceiling=services.product_settings().apr_ceiling,
            )
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

    def customer(self, request):
        customer_id = int_or_none(request.GET.get("customer"))
        if not customer_id:
            raise Http404
        return _owned_customer(request, customer_id)

    def record(self, request, customer, product, sheet) -> None:
        services.disclosure_record(
            actor=request.user, customer=customer, product=product, sheet=sheet
        )


# --- Pre-screening and reviews ---------------------------------------------------------


class PreScreenRunView(StaffView):
    permissions = {"POST": (P.PRESCREEN,)}

    def post(self, request, customer_id):
        customer = _owned_customer(request, customer_id)
        prescreen = services.prescreen_run(actor=request.user, customer=customer)
        return redirect("products:prescreen", prescreen.pk)


class PreScreenView(StaffView):
    permissions = {"GET": (P.PRESCREEN, P.REVIEW)}

    def get(self, request, prescreen_id):
        prescreen = selectors.prescreen_get(
            actor=request.user, prescreen_id=prescreen_id
        )
        return render(
            request,
            "products/prescreen.html",
            {
                "prescreen": prescreen,
                "lines": explain_lines(prescreen),
                "reviews": selectors.reviews_of(prescreen=prescreen),
                "can_request": request.user.has_code(P.PRESCREEN),
            },
        )


class ReviewRequestView(StaffView):
    permissions = {"POST": (P.PRESCREEN,)}

    def post(self, request, prescreen_id):
        prescreen = selectors.prescreen_get(
            actor=request.user, prescreen_id=prescreen_id
        )
        try:
            services.review_request(
                actor=request.user,
                prescreen=prescreen,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Review requested; the reviewers have been notified.")
            )
        return redirect("products:prescreen", prescreen.pk)


class ReviewListView(StaffView):
    permissions = {"GET": (P.REVIEW,)}

    def get(self, request):
        state = request.GET.get("state", ReviewState.OPEN)
        return render(
            request,
            "products/reviews.html",
            {
                "reviews": selectors.review_list(actor=request.user, state=state),
                "states": ReviewState.choices,
                "state": state,
            },
        )


class ReviewView(StaffView):
    permissions = {"GET": (P.REVIEW,), "POST": (P.REVIEW,)}

    def get(self, request, review_id, errors=None, status=200):
        review = selectors.review_get(actor=request.user, review_id=review_id)
        return render(
            request,
            "products/review.html",
            {
                "review": review,
                "prescreen": review.prescreen,
                "lines": explain_lines(review.prescreen),
                "grades": [g["grade"] for g in review.prescreen.scorecard.grades],
                "errors": errors or [],
            },
            status=status,
        )

    def post(self, request, review_id):
        review = selectors.review_get(actor=request.user, review_id=review_id)
        try:
            services.review_resolve(
                actor=request.user,
                review=review,
                final_grade=request.POST.get("final_grade", ""),
                note=request.POST.get("resolution", ""),
            )
        except ValidationError as exc:
            return self.get(request, review_id, errors=exc.messages, status=400)
        messages.success(request, _("Review recorded."))
        return redirect("products:reviews")


def _band_attributes() -> list[tuple[str, str]]:
    return [
        (a.key, str(a.label))
        for a in CATALOGUE.values()
        if a.kind in (INT, MONEY, BOOL)
    ]


def _band_editor_rows(bands) -> list[dict]:
    return [
        {
            "key": _row_key(),
            "field": b["field"],
            "min": "" if b.get("min") is None else b["min"],
            "max": "" if b.get("max") is None else b["max"],
            "yes": bool(b.get("value")),
            "points": b["points"],
        }
        for b in bands
    ]


class ScorecardView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def context(self, card, **extra):
        settings = services.product_settings()
        hard = {r["code"]: r for r in card.hard_rules}
        return {
            "card": card,
            "rows": extra.pop("rows", _band_editor_rows(card.bands)),
            "attributes": _band_attributes(),
            "hard_rules": [
                {
                    "code": code,
                    "label": label(),
                    "on": code in hard,
                    "value": hard.get(code, {}).get(
                        "value", {"over_age": 65, "many_overdue": 6}.get(code)
                    ),
                    "needs_value": code in ("over_age", "many_overdue"),
                }
                for code, label in HARD_RULES.items()
            ],
            "grades": card.grades,
            "settings": settings,
            "roles": Role.objects.order_by("name"),
            "errors": extra.pop("errors", []),
            **extra,
        }

    def get(self, request):
        card = services.scorecard_current()
        return render(request, "products/scorecard.html", self.context(card))

    def post(self, request):
        card = services.scorecard_current()
        if request.POST.get("form") == "settings":
            return self.save_settings(request, card)
        rows = band_rows(request.POST)
        hard_rules = [
            {"code": code, "value": request.POST.get("hard-%s-value" % code)}
            for code in HARD_RULES
            if request.POST.get("hard-%s" % code)
        ]
        grades = [
            {"grade": g, "min": request.POST.get("grade-%s" % g, "")}
            for g in ("A", "B", "C")
        ] + [{"grade": "D", "min": -1000}]
        try:
            new = services.scorecard_save(
                actor=request.user,
                bands=rows,
                hard_rules=hard_rules,
                grades=grades,
                blacklist_tag=request.POST.get("blacklist_tag", ""),
            )
        except ValidationError as exc:
            context = self.context(
                card,
                rows=[{**r, "yes": r.get("value")} for r in rows],
                errors=exc.messages,
            )
            return render(request, "products/scorecard.html", context, status=400)
        messages.success(
            request, _("Scorecard saved as version %(v)d.") % {"v": new.version}
        )
        return redirect("products:scorecard")

    def save_settings(self, request, card):
        role = Role.objects.filter(
            pk=int_or_none(request.POST.get("review_role"))
        ).first()
        try:
            services.product_settings_update(
                actor=request.user,
                apr_ceiling=decimal_or_none(request.POST.get("apr_ceiling", "")),
                review_role=role,
            )
        except ValidationError as exc:
            return render(
                request,
                "products/scorecard.html",
                self.context(card, errors=exc.messages),
                status=400,
            )
        messages.success(request, _("Settings saved."))
        return redirect(reverse("products:scorecard"))
