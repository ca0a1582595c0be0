"""The checked values of an order: amount, term and fee terms. Each refusal names its
field; money is Decimal, half-up to 0.01."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lenddesk.orders.models import FeeKind

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
AMOUNT_MAX = Decimal("999999999999.99")  # what the amount columns hold
RATE_MAX = Decimal("100")
TERM_MIN, TERM_MAX = 1, 480
TIERS_MAX = 10


def as_decimal(value, field: str) -> Decimal:
    """``value`` as a finite Decimal, else a refusal naming ``field``."""
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return number


def money(value, field: str, *, positive: bool = False) -> Decimal:
    amount = as_decimal(value, field)
    if amount.copy_abs() > AMOUNT_MAX:  # before quantize, which fails on 1e400
        raise ValidationError({field: _("The amount is too large.")})
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if positive and amount <= 0:
        raise ValidationError({field: _("Enter an amount above zero.")})
    if amount < 0:
        raise ValidationError({field: _("Enter zero or more.")})
    if amount > AMOUNT_MAX:
        raise ValidationError({field: _("The amount is too large.")})
    return amount


def clean_amount(value) -> Decimal:
    return money(value, "amount", positive=True)


def clean_term(value) -> int:
    if isinstance(value, bool):
        value = None
    try:
        term = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            {"term_months": _("Enter a whole number of months.")}
        ) from None
    if not TERM_MIN <= term <= TERM_MAX:
        raise ValidationError(
            {
                "term_months": _("The term is %(low)d to %(high)d months.")
                % {"low": TERM_MIN, "high": TERM_MAX}
            }
        )
    return term


def clean_rate(value, field: str) -> Decimal:
    rate = as_decimal(value, field).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    if not 0 <= rate <= RATE_MAX:
        raise ValidationError({field: _("The rate is a percentage from 0 to 100.")})
    return rate


def clean_fee_terms(
    *, fee_kind: str, fee_rate=None, fee_fixed=None, fee_tiers=None
) -> dict:
    """The fee terms as stored: only the fields of the chosen kind are kept."""
    if fee_kind not in FeeKind.values:
        raise ValidationError({"fee_kind": _("Choose how the fee is charged.")})
    terms = {"fee_kind": fee_kind, "fee_rate": None, "fee_fixed": None}
    terms["fee_tiers"] = []
    if fee_kind == FeeKind.RATE:
        if fee_rate in (None, ""):
            raise ValidationError({"fee_rate": _("Enter the fee rate.")})
        terms["fee_rate"] = clean_rate(fee_rate, "fee_rate")
    elif fee_kind == FeeKind.FIXED:
        if fee_fixed in (None, ""):
            raise ValidationError({"fee_fixed": _("Enter the fixed fee.")})
        terms["fee_fixed"] = money(fee_fixed, "fee_fixed")
    else:
        terms["fee_tiers"] = clean_tiers(fee_tiers)
    return terms


def clean_tiers(tiers) -> list[dict]:
    """Tiers by the disbursed amount: ascending caps, the last one open-ended."""
    if not isinstance(tiers, list | tuple) or not tiers:
        raise ValidationError({"fee_tiers": _("Add at least one tier.")})
    if len(tiers) > TIERS_MAX:
        raise ValidationError({"fee_tiers": _("At most %d tiers.") % TIERS_MAX})
    cleaned, previous = [], Decimal("0")
    for index, tier in enumerate(tiers):
        if not isinstance(tier, dict):
            raise ValidationError({"fee_tiers": _("Each tier needs a cap and a rate.")})
        last = index == len(tiers) - 1
        cap = tier.get("up_to")
        if last and cap not in (None, ""):
            raise ValidationError({"fee_tiers": _("The last tier has no upper limit.")})
        if not last:
            if cap in (None, ""):
                raise ValidationError(
                    {"fee_tiers": _("Only the last tier may be open-ended.")}
                )
            cap = money(cap, "fee_tiers", positive=True)
            if cap <= previous:
                raise ValidationError({"fee_tiers": _("The tiers' limits must go up.")})
            previous = cap
        rate = clean_rate(tier.get("rate"), "fee_tiers")
        cleaned.append({"up_to": None if last else str(cap), "rate": str(rate)})
    return cleaned


def fee_for(order, amount: Decimal) -> Decimal:
    """The fee the order's terms give on ``amount`` (the disbursed amount): the rate
    of the tier the amount falls in, or the fixed fee."""
    if order.fee_kind == FeeKind.FIXED:
        return order.fee_fixed or Decimal("0")
    rate = order.fee_rate
    if order.fee_kind == FeeKind.TIERED:
        rate = Decimal("0")
        for tier in order.fee_tiers or []:
            rate = Decimal(tier["rate"])
            if tier["up_to"] is None or amount <= Decimal(tier["up_to"]):
                break
    return (amount * (rate or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
