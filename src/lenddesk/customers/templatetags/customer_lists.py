"""Amounts as brokers read them: 30万 on Chinese pages, 300,000 elsewhere."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import translation

register = template.Library()

TEN_THOUSAND = Decimal(10000)


def _grouped(value: Decimal, places: int) -> str:
    text = "{:,.{}f}".format(value, places)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def yuan_short(value) -> str:
    """``300000`` → 30万 (zh) or 300,000; ``255000`` → 25.5万; below 1万 in full."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value)
    language = translation.get_language() or ""
    if language.startswith("zh") and abs(amount) >= TEN_THOUSAND:
        return "%s万" % _grouped(amount / TEN_THOUSAND, 2)
    return _grouped(amount, 0 if amount == amount.to_integral_value() else 2)


@register.filter
def yuan_full(value) -> str:
    """The exact amount with thousands separators (a tooltip beside ``yuan_short``)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"
