"""Matching one customer against products: which fit, why not, and in what order.

Pure functions over already-loaded products, rule sets and customer facts; the
services store the outcome and the selectors load what these functions need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from lenddesk.products.cost import total_cost
from lenddesk.products.rules import (
    Criterion,
    check_compiled,
    compiled_rules,
    passes_compiled,
    typed_values,
)

WEIGHTS = {"amount": 40, "term": 20, "cost": 25, "speed": 15}


@dataclass
class ProductMatch:
    """One product's answer. The criteria (for the explanation) are built when first
    read: deciding needs only the compiled checks."""

    product: object
    rule_set: object | None
    eligible: bool
    failed_count: int = 0
    score: int | None = None
    rank: int | None = None
    expected_cost: Decimal | None = None
    reasons: list[dict] = field(default_factory=list)
    facts: dict | None = None
    typed: dict | None = None
    _criteria: list[Criterion] | None = None

    @property
    def criteria(self) -> list[Criterion]:
        if self._criteria is None:
            self._criteria = check_compiled(
                compiled_rules(self.rule_set), self.facts, self.typed
            )
        return self._criteria

    @property
    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]

    @property
    def version(self) -> int | None:
        return self.rule_set.version if self.rule_set else None

    def reason_texts(self) -> list[str]:
        return [reason_text(r) for r in self.reasons]

    @property
    def cost_shape(self) -> dict | None:
        """The amount and term the expected cost was worked out for, so the cost and
        disclosure pages open on the same loan (and show the same total)."""
        for reason in self.reasons:
            if reason.get("code") in ("cost", "cheapest") and reason.get("amount"):
                return {"amount": _plain(reason["amount"]), "term": reason["months"]}
        return None

    def as_record(self) -> dict:
        """What a match run stores: enough to rebuild this answer later."""
        record = {
            "product": self.product.pk,
            "rule_set": self.rule_set.pk if self.rule_set else None,
            "eligible": self.eligible,
        }
        if not self.eligible:
            return record
        return {
            **record,
            "score": self.score,
            "rank": self.rank,
            "expected_cost": str(self.expected_cost)
            if self.expected_cost is not None
            else None,
            "reasons": self.reasons,
        }


def _clamp(value, low, high):
    return max(low, min(high, value))


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def expected_cost(product, amount: Decimal, term: int) -> Decimal:
    """What the loan costs the borrower at the lowest rate with the product's first
    repayment method: the same total, to the cent, as its disclosure for this amount
    and term (the card links there with both)."""
    if not product.repayment_methods:  # no disclosure possible: a plain estimate
        interest = amount * product.rate_min / 1200 * (term + 1) / 2
        guarantee = amount * (
            product.guarantee_fee_percent + product.guarantee_fee_monthly_percent * term
        )
        return (interest + guarantee / 100 + product.service_fee(amount)).quantize(
            Decimal("0.01")
        )
    return total_cost(
        product=product,
        amount=amount,
        term=term,
        method=product.repayment_methods[0],
    )


def loan_shape(product, values: dict) -> tuple[Decimal, int]:
    """The amount and term the customer would get from ``product``."""
    wanted = _decimal(values.get("demand_amount"))
    term = values.get("demand_term_months")
    amount = (
        _clamp(wanted, product.amount_min, product.amount_max)
        if wanted
        else product.amount_min
    )
    months = _clamp(int(term), product.term_min, product.term_max) if term else None
    return amount, months or product.term_max


def evaluate(products, rule_sets: dict, facts: dict) -> list[ProductMatch]:
    """Every product eligible or not, the eligible ones scored and ranked first."""
    matches = []
    typed = typed_values(facts["values"])
    for product in products:
        rule_set = rule_sets.get(product.id)
        failed = 0
        for rule, kind, op, wanted in compiled_rules(rule_set):
            if not passes_compiled(kind, op, wanted, typed.get(rule["field"])):
                failed += 1
        matches.append(
            ProductMatch(
                product=product,
                rule_set=rule_set,
                eligible=not failed,
                failed_count=failed,
                facts=facts,
                typed=typed,
            )
        )
    rank(matches, facts["values"])
    return matches


def _amount_fit(product, wanted: Decimal | None) -> tuple[Decimal, dict | None]:
    if wanted is None:
        return Decimal("0.5"), None
    if product.amount_min <= wanted <= product.amount_max:
        return Decimal(1), {"code": "amount_fits"}
    if wanted > product.amount_max:
        capped = {"code": "amount_capped", "max": str(product.amount_max)}
        return (product.amount_max / wanted) ** 2, capped
    return Decimal("0.3"), {"code": "amount_below", "min": str(product.amount_min)}


def _term_fit(product, term: int | None) -> tuple[Decimal, dict | None]:
    if not term:
        return Decimal("0.5"), None
    if product.term_min <= term <= product.term_max:
        return Decimal(1), {"code": "term_fits"}
    outside = {"code": "term_outside", "min": product.term_min, "max": product.term_max}
    return Decimal("0.4"), outside


def _score(
    match: ProductMatch, values: dict, wanted, term, cheapest: Decimal, fastest: int
) -> None:
    """The match's score out of 100 and the reasons behind it: the amount and term
    ``wanted``, the cost against the cheapest and the days against the fastest of the
    eligible products."""
    product = match.product
    amount, months = loan_shape(product, values)
    amount_fit, amount_reason = _amount_fit(product, wanted)
    term_fit, term_reason = _term_fit(product, term)
    reasons = [r for r in (amount_reason, term_reason) if r is not None]
    ratio = match.expected_cost / amount
    cost_fit = cheapest / ratio if ratio else Decimal(1)
    reasons.append(
        {
            "code": "cheapest" if cost_fit == 1 else "cost",
            "cost": str(match.expected_cost),
            "months": months,
            "amount": str(amount),
        }
    )
    days = max(product.processing_days, 1)
    speed_fit = Decimal(fastest) / Decimal(days)
    reasons.append(
        {
            "code": "fastest" if days == fastest else "days",
            "days": product.processing_days,
        }
    )
    match.score = int(
        (
            WEIGHTS["amount"] * amount_fit
            + WEIGHTS["term"] * term_fit
            + WEIGHTS["cost"] * cost_fit
            + WEIGHTS["speed"] * speed_fit
        ).quantize(Decimal("1"))
    )
    match.reasons = reasons


def rank(matches: list[ProductMatch], values: dict) -> None:
    eligible = [m for m in matches if m.eligible]
    wanted = _decimal(values.get("demand_amount"))
    term = values.get("demand_term_months")
    for match in eligible:
        amount, months = loan_shape(match.product, values)
        match.expected_cost = expected_cost(match.product, amount, months)
    if eligible:
        cheapest = min(
            m.expected_cost / loan_shape(m.product, values)[0] for m in eligible
        )
        fastest = min(max(m.product.processing_days, 1) for m in eligible)
        for match in eligible:
            _score(match, values, wanted, term, cheapest, fastest)
    ordered = sorted(
        eligible,
        key=lambda m: (
            -m.score,
            m.expected_cost,
            m.product.processing_days,
            m.product.pk,
        ),
    )
    for position, match in enumerate(ordered, start=1):
        match.rank = position
    matches.sort(
        key=lambda m: (
            0 if m.eligible else 1,
            m.rank or 0,
            m.failed_count,
            m.product.id,
        )
    )


def reason_text(reason: dict) -> str:
    code = reason.get("code")
    if code == "amount_fits":
        return _("the amount wanted is within its range")
    if code == "amount_capped":
        return _("lends at most %(max)s yuan, less than wanted") % {
            "max": _plain(reason["max"])
        }
    if code == "amount_below":
        return _("lends from %(min)s yuan, more than wanted") % {
            "min": _plain(reason["min"])
        }
    if code == "term_fits":
        return _("the term wanted is offered")
    if code == "term_outside":
        return _("terms from %(min)s to %(max)s months only") % reason
    if code == "cheapest":
        return _("lowest expected cost: about %(cost)s yuan over %(months)s months") % {
            "cost": _plain(reason["cost"]),
            "months": reason["months"],
        }
    if code == "cost":
        return _("expected cost about %(cost)s yuan over %(months)s months") % {
            "cost": _plain(reason["cost"]),
            "months": reason["months"],
        }
    if code == "fastest":
        return _("fastest: about %(days)s days") % reason
    if code == "days":
        return _("about %(days)s days to disburse") % reason
    return str(code)


def _plain(value) -> str:
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return str(number)
