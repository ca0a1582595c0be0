"""Eligibility rules: how a rule is validated, checked against a customer's facts
and explained (``Criterion``). The attributes rules may use are in ``attributes``,
their words in ``wording`` and their SQL pre-filter in ``prefilter``.

A rule is ``{"field": key, "op": operator, "value": …, "message": text}``. Values are
stored normalised: whole numbers as ``int``, money as a decimal string, lists of text
as ``list[str]``, yes/no rules without a value.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from lenddesk.products.attributes import (
    BOOL,
    CATALOGUE,
    DECLARED,
    INT,
    MONEY,
    TEXT,
    Attribute,
    normaliser,
)
from lenddesk.products.errors import ProductError
from lenddesk.products.wording import (
    criterion_words,
    failure_text,
    fix_text,
    rule_text,
)

# --- Validation -----------------------------------------------------------------


def _split_list(value) -> list[str]:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[,，、;；\s]+", str(value or ""))
    return [i.strip() for i in items if i and i.strip()]


def normalise_value(attribute: Attribute, op: str, value):
    """The stored form of a rule's value, or ValueError with a message for the user."""
    if attribute.kind == BOOL:
        return None
    if attribute.kind == TEXT:
        if op in ("in", "not_in"):
            items = _split_list(value)
            if not items:
                raise ValueError(_("give at least one value"))
            return items
        text = str(value if value is not None else "").strip()
        if not text:
            raise ValueError(_("give a value"))
        return text
    raw = str(value if value is not None else "").strip().replace(",", "")
    if attribute.kind == INT:
        if not re.fullmatch(r"-?\d{1,9}", raw):
            raise ValueError(
                _("“%(value)s” is not a whole number") % {"value": value or ""}
            )
        return int(raw)
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValueError(_("“%(value)s” is not an amount") % {"value": value or ""})
    return str(number.quantize(Decimal("0.01")))


def validate_rules(rows: Iterable[dict]) -> list[dict]:
    """Check every row against the catalogue; return the normalised rules or raise one
    ValidationError on ``rules`` whose messages name each bad row by its number."""
    cleaned, errors = [], []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(_("Rule %(n)d: not a rule.") % {"n": number})
            continue
        key = str(row.get("field") or "").strip()
        op = str(row.get("op") or "").strip()
        message = str(row.get("message") or "").strip()[:200]
        attribute = CATALOGUE.get(key)
        if attribute is None:
            errors.append(
                _("Rule %(n)d: unknown field “%(field)s”.")
                % {"n": number, "field": key}
            )
            continue
        if op not in attribute.operators:
            errors.append(
                _("Rule %(n)d: “%(op)s” cannot be used with %(label)s.")
                % {"n": number, "op": op, "label": attribute.label}
            )
            continue
        try:
            value = normalise_value(attribute, op, row.get("value"))
        except ValueError as exc:
            errors.append(
                _("Rule %(n)d (%(label)s): %(problem)s.")
                % {"n": number, "label": attribute.label, "problem": exc}
            )
            continue
        cleaned.append({"field": key, "op": op, "value": value, "message": message})
    errors = errors or contradictions(cleaned)
    if errors:
        raise ValidationError({"rules": errors}, code=ProductError.INVALID_RULE)
    return cleaned


def contradictions(rules: list[dict]) -> list[str]:
    """Pairs of rules on one field that no customer can meet together (age ≥ 60 with
    age ≤ 22): a product with them would silently never match anyone."""
    problems = []
    numbered = enumerate(compile_rules(rules), start=1)
    for (a, first), (b, second) in itertools.combinations(numbered, 2):
        if first[0]["field"] == second[0]["field"] and not _can_both_hold(
            first, second
        ):
            problems.append(
                _(
                    "Rules %(a)d and %(b)d can never both hold: %(first)s and %(second)s."
                )
                % {
                    "a": a,
                    "b": b,
                    "first": rule_text(first[0]),
                    "second": rule_text(second[0]),
                }
            )
    return problems


def _can_both_hold(first: tuple, second: tuple) -> bool:
    (_rule, kind, op, wanted), (_other, _kind, other_op, other_wanted) = first, second
    if kind == BOOL:
        return op == other_op
    if kind == TEXT:
        return _texts_overlap((op, wanted), (other_op, other_wanted))
    if "ne" in (op, other_op):
        return not ({op, other_op} == {"eq", "ne"} and wanted == other_wanted)
    low, high = _bounds(kind, op, wanted), _bounds(kind, other_op, other_wanted)
    return _intervals_overlap(low, high)


def _bounds(kind: str, op: str, value: Decimal) -> tuple:
    """``(low, high)`` as ``(value, inclusive)`` pairs, ``None`` when open; a whole
    number's strict bound becomes the next whole number."""
    if kind == INT and op in ("gt", "lt"):
        op, value = ("gte", value + 1) if op == "gt" else ("lte", value - 1)
    return {
        "gte": ((value, True), None),
        "gt": ((value, False), None),
        "lte": (None, (value, True)),
        "lt": (None, (value, False)),
        "eq": ((value, True), (value, True)),
    }[op]


def _intervals_overlap(first: tuple, second: tuple) -> bool:
    lows = [b for b in (first[0], second[0]) if b is not None]
    highs = [b for b in (first[1], second[1]) if b is not None]
    if not lows or not highs:
        return True
    low = max(lows, key=lambda b: (b[0], not b[1]))
    high = min(highs, key=lambda b: (b[0], b[1]))
    return low[0] < high[0] or (low[0] == high[0] and low[1] and high[1])


def _texts_overlap(first: tuple, second: tuple) -> bool:
    """Some value passes both text rules: two allowed sets meet, or an allowed set
    is not wholly excluded; two exclusions always leave something."""
    allowed, excluded = [], []
    for op, wanted in (first, second):
        values = wanted if isinstance(wanted, frozenset) else frozenset([wanted])
        (allowed if op in ("eq", "in") else excluded).append(values)
    if len(allowed) == 2:
        return bool(allowed[0] & allowed[1])
    if allowed:
        return bool(allowed[0] - excluded[0])
    return True


# --- Checking -------------------------------------------------------------------


def compile_rules(rules: list[dict]) -> list[tuple]:
    """Rules with their values turned into Python types once: ``(rule, kind, op,
    wanted)``. Matching checks hundreds of products per customer, so a rule set keeps
    its compiled form (see ``compiled_rules``)."""
    compiled = []
    for rule in rules:
        attribute = CATALOGUE.get(rule.get("field"))
        if attribute is None:
            continue
        op, value = rule["op"], rule.get("value")
        if attribute.kind == BOOL:
            wanted = op == "is_true"
        elif attribute.kind == TEXT:
            norm = normaliser(attribute.key)
            if op in ("in", "not_in"):
                wanted = frozenset(norm(str(v)) for v in value)
            else:
                wanted = norm(str(value))
        else:
            wanted = Decimal(str(value))
        compiled.append((rule, attribute.kind, op, wanted))
    return compiled


def compiled_rules(rule_set) -> list[tuple]:
    if rule_set is None:
        return []
    cached = getattr(rule_set, "_compiled", None)
    if cached is None:
        cached = rule_set._compiled = compile_rules(rule_set.rules)
    return cached


def typed_values(values: dict) -> dict:
    """A customer's values as the compiled rules compare them."""
    typed = dict(values)
    for key, attribute in CATALOGUE.items():
        value = typed.get(key)
        if value is None or value == "":
            typed[key] = None
        elif attribute.kind == MONEY:
            typed[key] = Decimal(str(value))
        elif attribute.kind == TEXT:
            typed[key] = normaliser(key)(str(value))
    return typed


def passes_compiled(kind: str, op: str, wanted, actual) -> bool:
    if kind == BOOL:
        return bool(actual) is wanted
    if actual is None:
        return False
    if op == "gte":
        return actual >= wanted
    if op == "lte":
        return actual <= wanted
    if op == "in":
        return actual in wanted
    if op == "not_in":
        return actual not in wanted
    if op == "gt":
        return actual > wanted
    if op == "lt":
        return actual < wanted
    if op == "eq":
        return actual == wanted
    return actual != wanted


def rule_passes(rule: dict, values: dict) -> bool:
    """One rule against raw (JSON-safe) values; for many, compile them first."""
    ((_rule, kind, op, wanted),) = compile_rules([rule])
    actual = typed_values({rule["field"]: values.get(rule["field"])})[rule["field"]]
    return passes_compiled(kind, op, wanted, actual)


def all_pass(compiled: list[tuple], typed: dict) -> bool:
    return all(
        passes_compiled(kind, op, wanted, typed.get(rule["field"]))
        for rule, kind, op, wanted in compiled
    )


class Criterion:
    """One rule checked against one customer, ready to be explained."""

    __slots__ = ("actual", "field", "message", "op", "passed", "source", "value")

    def __init__(self, *, field, op, value, actual, passed, source, message=""):
        self.field, self.op, self.value = field, op, value
        self.actual, self.passed, self.source = actual, passed, source
        self.message = message

    def as_dict(self) -> dict:
        return {
            "field": self.field,
            "op": self.op,
            "value": self.value,
            "actual": self.actual,
            "passed": self.passed,
            "source": self.source,
            "message": self.message,
        }

    @property
    def label(self) -> str:
        return str(CATALOGUE[self.field].label)

    @property
    def rule_text(self) -> str:
        return rule_text(self.as_dict())

    @property
    def failure(self) -> str:
        return failure_text(self)

    @property
    def fix(self) -> str:
        return fix_text(self)

    def words(self, language: str | None = None) -> dict:
        """The explanation in ``language`` (default: the active one)."""
        return criterion_words(self, language or translation.get_language())

    def texts(self) -> dict:
        """The explanation in both languages of the product (zh-hans and en)."""
        out = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                out[language] = self.words(language)
        return out


def check_compiled(compiled: list[tuple], facts: dict, typed: dict) -> list[Criterion]:
    values, sources = facts["values"], facts["sources"]
    return [
        Criterion(
            field=rule["field"],
            op=op,
            value=rule.get("value"),
            actual=values.get(rule["field"]),
            passed=passes_compiled(kind, op, wanted, typed.get(rule["field"])),
            source=sources.get(rule["field"], DECLARED),
            message=rule.get("message", ""),
        )
        for rule, kind, op, wanted in compiled
    ]


def check_rules(rules: list[dict], facts: dict) -> list[Criterion]:
    return check_compiled(compile_rules(rules), facts, typed_values(facts["values"]))
