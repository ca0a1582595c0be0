"""The arithmetic of commission plans, free of the database: tier tables, splits and
the pricing of a month's lines. Money is ``Decimal``; each line rounds once.

A tier table is ``[{"up_to": "50000.00", "rate": "10"}, …, {"up_to": null, "rate":
"15"}]``: ascending caps of the month's base, the last without one, rates in percent.

- marginal (超额累进): each slice of the month's base earns its own tier's rate; the
  lines of the month fill the slices in the order they were collected, so a line that
  crosses a cap earns both rates on its two parts.
- whole (全额累进): the whole base earns the rate of the tier the month's total
  reached; each line is its base × that rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from lenddesk.commissions.errors import CommissionError, refusal, refusals
from lenddesk.commissions.tax import ZERO, money

HUNDRED = Decimal("100")
SPLIT_ROLES = ("owner", "telemarketer", "processor")
MAX_TIERS = 10
MAX_RATE = Decimal("100")
MAX_CAP = Decimal("999999999999.99")
CENT_ABOVE_ZERO = Decimal("0.01")

Tier = tuple[Decimal | None, Decimal]  # (cap of the base, rate in percent)


def _decimal(value, field: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        message = _("Enter a number from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
        raise refusal(field, message, CommissionError.PLAN_INVALID)
    return number


def parse_tiers(raw, field: str = "tiers") -> list[Tier]:
    """A tier table from its stored or submitted form, or a ``ValidationError``
    naming ``field``: 1–10 tiers, caps ascending, the last without a cap."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_TIERS:
        raise refusal(field, _("Give one to ten tiers."), CommissionError.PLAN_INVALID)
    tiers: list[Tier] = []
    previous = ZERO
    for index, item in enumerate(raw):
        name = "%s.%d" % (field, index)
        if not isinstance(item, dict):
            raise refusal(
                name,
                _("Each tier needs a cap and a rate."),
                CommissionError.PLAN_INVALID,
            )
        rate = _decimal(item.get("rate"), name + ".rate", low=ZERO, high=MAX_RATE)
        cap = item.get("up_to")
        last = index == len(raw) - 1
        if last != (cap in (None, "")):
            raise refusal(
                name + ".up_to",
                _("Only the last tier has no cap."),
                CommissionError.PLAN_INVALID,
            )
        if not last:
            cap = _decimal(cap, name + ".up_to", low=CENT_ABOVE_ZERO, high=MAX_CAP)
            if cap <= previous:
                raise refusal(
                    name + ".up_to",
                    _("Caps must rise from tier to tier."),
                    CommissionError.PLAN_INVALID,
                )
            previous = cap
        tiers.append((money(cap) if cap is not None and not last else None, rate))
    return tiers


def tiers_as_json(tiers: Sequence[Tier]) -> list[dict]:
    return [
        {"up_to": None if cap is None else str(cap), "rate": str(rate)}
        for cap, rate in tiers
    ]


def parse_splits(raw: dict) -> dict[str, Decimal]:
    """The shares of an order's fee that count for its owner, telemarketer and
    processor, in percent; they must add up to exactly 100 (the error names the
    ``share_<role>`` fields)."""
    shares = {
        role: _decimal(raw.get(role, "0"), "share_%s" % role, low=ZERO, high=HUNDRED)
        for role in SPLIT_ROLES
    }
    if sum(shares.values()) != HUNDRED:
        message = _("The shares add up to %(total)s %%; they must add up to 100 %%.")
        text = message % {"total": sum(shares.values())}
        raise refusals(
            {"share_%s" % role: text for role in SPLIT_ROLES},
            CommissionError.SPLITS_NOT_100,
        )
    return shares


def split_base(fee: Decimal, share: Decimal) -> Decimal:
    """The part of a collected fee that counts for one participant."""
    return money(fee * share / HUNDRED)


def tier_rate(tiers: Sequence[Tier], total: Decimal) -> Decimal:
    """The rate of the tier ``total`` reaches (whole-amount mode)."""
    for cap, rate in tiers:
        if cap is None or total <= cap:
            return rate
    return tiers[-1][1]


def _marginal(tiers: Sequence[Tier], start: Decimal, base: Decimal) -> Decimal:
    """The unrounded commission on the slice ``[start, start + base]`` of the base."""
    amount = ZERO
    low = ZERO
    end = start + base
    for cap, rate in tiers:
        high = end if cap is None else min(cap, end)
        overlap = min(high, end) - max(low, start)
        if overlap > 0:
            amount += overlap * rate / HUNDRED
        if cap is None or cap >= end:
            break
        low = cap
    return amount


def price_lines(
    tiers: Sequence[Tier], mode: str, bases: Iterable[Decimal]
) -> list[Decimal]:
    """The commission of each line of one person's month (bases in collection order,
    all positive), by the tier table and mode; each line rounded once."""
    bases = list(bases)
    if mode == "whole":
        rate = tier_rate(tiers, sum(bases, ZERO))
        return [money(base * rate / HUNDRED) for base in bases]
    amounts = []
    position = ZERO
    for base in bases:
        amounts.append(money(_marginal(tiers, position, base)))
        position += base
    return amounts


def month_commission(tiers: Sequence[Tier], mode: str, total: Decimal) -> Decimal:
    """The commission on a month's whole base at once, unrounded per line: what the
    lines add up to within a cent per line."""
    if mode == "whole":
        return total * tier_rate(tiers, total) / HUNDRED
    return _marginal(tiers, ZERO, total)


def clawback(original: Decimal, original_fee: Decimal, refunded: Decimal) -> Decimal:
    """The negative line of a refund: the refunded part of what the original line
    earned (never more than it)."""
    if original_fee <= 0:
        return ZERO
    part = min(refunded, original_fee)
    amount = money(original * part / original_fee)
    return -amount if amount else ZERO
