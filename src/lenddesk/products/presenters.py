"""Inputs and explanations shared by the pages and the API."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from lenddesk.products import services
from lenddesk.products.attributes import CATALOGUE
from lenddesk.products.cost import CostSheet, cost_sheet
from lenddesk.products.scorecard import HARD_RULES
from lenddesk.products.wording import show_value
from lenddesk.web.params import int_or_none


def decimal_or_none(value) -> Decimal | None:
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def cost_inputs(product, params, customer=None) -> tuple[dict, dict[str, list[str]]]:
    """Amount, term, method and rate from the query, defaulting to the customer's
    demand and the product's range; errors are keyed by the query parameter
    (``amount``, ``term``, ``rate``, ``method``) and their messages name the field."""
    errors: dict[str, list[str]] = {}
    amount = decimal_or_none(params.get("amount")) if params.get("amount") else None
    if amount is None and params.get("amount"):
        errors.setdefault("amount", []).append(_("Amount: give a number of yuan."))
    if amount is None:
        amount = (
            customer.demand_amount
            if customer is not None and customer.demand_amount
            else product.amount_min
        )
    term = int_or_none(params.get("term"))
    if term is None and params.get("term"):
        errors.setdefault("term", []).append(_("Term: give a whole number of months."))
    if term is None:
        term = (
            customer.demand_term_months
            if customer is not None and customer.demand_term_months
            else product.term_max
        )
    rate = (
        decimal_or_none(params.get("rate")) if params.get("rate") else product.rate_min
    )
    method = params.get("method") or product.repayment_methods[0]
    if amount is not None and not product.amount_min <= amount <= product.amount_max:
        errors.setdefault("amount", []).append(
            _("Amount: this product lends %(min)s to %(max)s yuan.")
            % {"min": product.amount_min, "max": product.amount_max}
        )
    if not product.term_min <= term <= product.term_max:
        errors.setdefault("term", []).append(
            _("Term: this product offers %(min)s to %(max)s months.")
            % {"min": product.term_min, "max": product.term_max}
        )
    if rate is None or not product.rate_min <= rate <= product.rate_max:
        errors.setdefault("rate", []).append(
            _("Rate: this product's annual rate is %(min)s%% to %(max)s%%.")
            % {"min": product.rate_min, "max": product.rate_max}
        )
        rate = product.rate_min
    if method not in product.repayment_methods:
        errors.setdefault("method", []).append(
            _("Repayment method: not offered by this product.")
        )
        method = product.repayment_methods[0]
    return {"amount": amount, "term": term, "rate": rate, "method": method}, errors


def inputs_cost_sheet(product, inputs: dict) -> CostSheet:
    """The cost sheet of ``cost_inputs``' answer, against the firm's APR ceiling."""
    return cost_sheet(
        product=product,
        amount=inputs["amount"],
        term=inputs["term"],
        method=inputs["method"],
        annual_rate=inputs["rate"],
        ceiling=services.product_settings().apr_ceiling,
    )


def band_text(line: dict) -> str:
    attribute = CATALOGUE.get(line.get("field"))
    if attribute is None:
        return str(line.get("field"))
    if "value" in line:
        return "%s: %s" % (attribute.label, show_value(line["field"], line["value"]))
    low, high = line.get("min"), line.get("max")
    if low is not None and high is not None:
        span = "%s – %s" % (
            show_value(line["field"], low),
            show_value(line["field"], high),
        )
    elif low is not None:
        span = "≥ %s" % show_value(line["field"], low)
    else:
        span = "≤ %s" % show_value(line["field"], high)
    return "%s %s" % (attribute.label, span)


def explain_lines(prescreen) -> list[dict]:
    out = []
    for line in prescreen.lines:
        if line["kind"] == "hard":
            describe = HARD_RULES.get(line["code"])
            label = describe() if describe else line["code"]
            if line.get("value") is not None:
                label = "%s (%s)" % (label, line["value"])
            out.append(
                {"hard": True, "text": label, "hit": line["hit"], "points": None}
            )
        else:
            out.append(
                {
                    "hard": False,
                    "text": band_text(line),
                    "actual": show_value(line["field"], line.get("actual")),
                    "hit": line["hit"],
                    "points": line["points"],
                    "source": prescreen.inputs.get("sources", {}).get(line["field"]),
                }
            )
    return out
