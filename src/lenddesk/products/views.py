"""The catalogue pages: products, funders and the eligibility-rule editor.

Matching, reverse matching and the cost pages are in ``match_views``; pre-screens,
human reviews and the scorecard in ``prescreen_views``."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.products import selectors, services
from lenddesk.products.attributes import (
    OPERATOR_LABELS,
    attribute_choices,
    band_attribute_choices,
)
from lenddesk.products.forms import FunderForm, ProductForm, row_key, rule_rows
from lenddesk.products.models import ProductType, RepaymentMethod
from lenddesk.products.permissions import ProductPermission as P
from lenddesk.products.wording import rule_text
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit
from lenddesk.web.params import int_or_none


def _operators() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in OPERATOR_LABELS.items()]


# --- Products -----------------------------------------------------------------------


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


def _product_data(cleaned_data: dict) -> dict:
    data = dict(cleaned_data)
    data["repayment_methods"] = list(data["repayment_methods"])
    data["required_documents"] = list(data["required_documents"])
    return data


def _product_page(product) -> str:
    return reverse("products:detail", args=[product.pk])


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
        done = form_submit(
            request,
            form,
            lambda data: services.product_save(
                actor=request.user, data=_product_data(data)
            ),
            success=_("Product saved. Now add its rules."),
            redirect_to=_product_page,
        )
        return done or render(request, "products/form.html", {"form": form}, status=400)


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
        done = form_submit(
            request,
            form,
            lambda data: services.product_save(
                actor=request.user, data=_product_data(data), product=product
            ),
            success=_("Product saved."),
            redirect_to=_product_page,
        )
        return done or render(
            request,
            "products/form.html",
            {"form": form, "product": product},
            status=400,
        )


# --- Eligibility rules ----------------------------------------------------------------


def _editor_rows(rules) -> list[dict]:
    return [
        {
            "key": row_key(),
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
            _editor_rows(in_force.rules if in_force else []) or [{"key": row_key()}],
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
            request, product, rows=rows or [{"key": row_key()}], rule_errors=errors
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
                {"row": {"key": row_key()}, "attributes": band_attribute_choices()},
            )
        return render(
            request,
            "products/_rule_row.html",
            {
                "row": {"key": row_key()},
                "attributes": attribute_choices(),
                "operators": _operators(),
            },
        )


# --- Funders --------------------------------------------------------------------------


class FunderListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        funders = selectors.funders_with_product_counts()
        return render(request, "products/funders.html", {"funders": funders})


class FunderCreateView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def get(self, request):
        return render(request, "products/funder_form.html", {"form": FunderForm()})

    def post(self, request):
        form = FunderForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: services.funder_save(actor=request.user, data=data),
            success=_("Funder saved."),
            redirect_to="products:funders",
        )
        return done or render(
            request, "products/funder_form.html", {"form": form}, status=400
        )


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
        done = form_submit(
            request,
            form,
            lambda data: services.funder_save(
                actor=request.user, data=data, funder=funder
            ),
            success=_("Funder saved."),
            redirect_to="products:funders",
        )
        return done or render(
            request,
            "products/funder_form.html",
            {"form": form, "funder": funder, "can_manage": True},
            status=400,
        )
