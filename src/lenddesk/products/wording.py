"""Rules and values in plain words, in the active language or a given one: what a
rule asks, why a customer failed it and what would qualify. Memoised per language: a
match explains thousands of criteria."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lenddesk.customers.models import CustomerKind
from lenddesk.products.attributes import BOOL, CATALOGUE, OPERATOR_LABELS, TEXT

if TYPE_CHECKING:
    from lenddesk.products.rules import Criterion


def _plain_number(value) -> str:
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def _key(value):
    return tuple(value) if isinstance(value, list) else value


def show_value(field: str, value) -> str:
    """A value as a person reads it: ``62岁`` / ``62``, ``8000元`` / ``8000 yuan``."""
    return _show_value(translation.get_language(), field, _key(value))


@lru_cache(maxsize=8192)
def _show_value(language, field: str, value) -> str:
    attribute = CATALOGUE[field]
    if value is None or value == "":
        return _("unknown")
    if attribute.kind == BOOL:
        return _("yes") if value else _("no")
    if attribute.kind == TEXT:
        if isinstance(value, tuple):
            return pgettext("list separator", ", ").join(_text(field, v) for v in value)
        return _text(field, value)
    n = _plain_number(value)
    if attribute.unit == "age":
        return pgettext("age in years", "%(n)s") % {"n": n}
    if attribute.unit == "months":
        return _("%(n)s months") % {"n": n}
    if attribute.unit == "yuan":
        return _("%(n)s yuan") % {"n": n}
    if attribute.unit == "times":
        return _("%(n)s times") % {"n": n}
    return n


def _text(field: str, value) -> str:
    if field == "kind":
        return str(dict(CustomerKind.choices).get(value, value))
    return str(value)


def rule_text(rule: dict) -> str:
    return _rule_text(
        translation.get_language(), rule["field"], rule["op"], _key(rule.get("value"))
    )


def criterion_words(criterion: Criterion, language: str) -> dict:
    """What the rule asks and, when failed, why and what would qualify."""
    return {
        "rule": _rule_text(
            language, criterion.field, criterion.op, _key(criterion.value)
        ),
        "failure": "" if criterion.passed else failure_text(criterion, language),
        "fix": "" if criterion.passed else fix_text(criterion, language),
    }


@lru_cache(maxsize=8192)
def _rule_text(language, field: str, op: str, value) -> str:
    attribute = CATALOGUE.get(field)
    if attribute is None:
        return str(field)
    shown = str(OPERATOR_LABELS.get(op, op))
    if attribute.kind == BOOL:
        return "%s %s" % (attribute.label, shown)
    return "%s %s %s" % (attribute.label, shown, _show_value(language, field, value))


@lru_cache(maxsize=512)
def _label(language, field: str) -> str:
    return str(CATALOGUE[field].label)


FAILURES: dict[str, Callable[[], str]] = {
    "gte": lambda: _("%(label)s %(actual)s, below the minimum of %(limit)s"),
    "gt": lambda: _("%(label)s %(actual)s, must be above %(limit)s"),
    "lte": lambda: _("%(label)s %(actual)s, above the limit of %(limit)s"),
    "lt": lambda: _("%(label)s %(actual)s, must be below %(limit)s"),
    "eq": lambda: _("%(label)s %(actual)s, must be %(limit)s"),
    "ne": lambda: _("%(label)s %(actual)s is not accepted"),
    "in": lambda: _("%(label)s %(actual)s is not among %(limit)s"),
    "not_in": lambda: _("%(label)s %(actual)s is excluded"),
    "is_true": lambda: _("%(label)s: no, the product requires yes"),
    "is_false": lambda: _("%(label)s: yes, the product requires no"),
}
FIXES: dict[str, Callable[[], str]] = {
    "gte": lambda: _("%(label)s must be ≥ %(limit)s; now %(actual)s"),
    "gt": lambda: _("%(label)s must be > %(limit)s; now %(actual)s"),
    "lte": lambda: _("%(label)s must be ≤ %(limit)s; now %(actual)s"),
    "lt": lambda: _("%(label)s must be < %(limit)s; now %(actual)s"),
    "eq": lambda: _("%(label)s must be %(limit)s; now %(actual)s"),
    "ne": lambda: _("%(label)s must not be %(limit)s"),
    "in": lambda: _("%(label)s must be one of %(limit)s; now %(actual)s"),
    "not_in": lambda: _("%(label)s must not be one of %(limit)s"),
    "is_true": lambda: _("%(label)s must be yes"),
    "is_false": lambda: _("%(label)s must be no"),
}


@lru_cache(maxsize=256)
def _template(language, table: str, op: str) -> str:
    if op == "missing":
        return _("%(label)s not known")
    return (FAILURES if table == "failure" else FIXES)[op]()


def _words(criterion: Criterion, language) -> dict:
    return {
        "label": _label(language, criterion.field),
        "actual": _show_value(language, criterion.field, _key(criterion.actual)),
        "limit": _show_value(language, criterion.field, _key(criterion.value)),
    }


def failure_text(criterion: Criterion, language: str | None = None) -> str:
    language = language or translation.get_language()
    missing = criterion.actual is None or criterion.actual == ""
    template = _template(language, "failure", "missing" if missing else criterion.op)
    return template % _words(criterion, language)


def fix_text(criterion: Criterion, language: str | None = None) -> str:
    language = language or translation.get_language()
    return _template(language, "fix", criterion.op) % _words(criterion, language)
