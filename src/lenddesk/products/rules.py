"""The catalogue of customer attributes that eligibility rules and scorecards may use,
how a rule is validated, checked against a customer, explained in plain words, and
turned into a SQL pre-filter for reverse matching.

A rule is ``{"field": key, "op": operator, "value": …, "message": text}``. Values are
stored normalised: whole numbers as ``int``, money as a decimal string, lists of text
as ``list[str]``, yes/no rules without a value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from lenddesk.customers.models import DocumentKind
from lenddesk.products.errors import ProductError

INT, MONEY, BOOL, TEXT = "int", "money", "bool", "text"

OPERATORS: dict[str, tuple[str, ...]] = {
    INT: ("gte", "lte", "gt", "lt", "eq", "ne"),
    MONEY: ("gte", "lte", "gt", "lt", "eq", "ne"),
    BOOL: ("is_true", "is_false"),
    TEXT: ("in", "not_in", "eq", "ne"),
}
OPERATOR_LABELS = {
    "gte": "≥",
    "lte": "≤",
    "gt": ">",
    "lt": "<",
    "eq": "=",
    "ne": "≠",
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "is_true": gettext_lazy("is yes"),
    "is_false": gettext_lazy("is no"),
}

DECLARED, VERIFIED, DERIVED = "declared", "verified", "derived"


@dataclass(frozen=True)
class Attribute:
    key: str
    label: object  # lazy translation
    kind: str
    unit: str = ""  # "age", "months", "yuan", "times" or ""
    verified_by: tuple[str, ...] = ()
    model_field: str = ""  # the Customer column a SQL pre-filter may use

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind]


CATALOGUE: dict[str, Attribute] = {
    a.key: a
    for a in (
        Attribute(
            "age",
            gettext_lazy("Age"),
            INT,
            "age",
            (DocumentKind.ID_CARD,),
            "birth_date",
        ),
        Attribute("city", gettext_lazy("City"), TEXT, model_field="city"),
        Attribute("kind", gettext_lazy("Customer kind"), TEXT, model_field="kind"),
        Attribute(
            "monthly_income",
            gettext_lazy("Monthly income"),
            MONEY,
            "yuan",
            (DocumentKind.INCOME_PROOF, DocumentKind.BANK_STATEMENT),
            "monthly_income",
        ),
        Attribute(
            "demand_amount",
            gettext_lazy("Amount wanted"),
            MONEY,
            "yuan",
            model_field="demand_amount",
        ),
        Attribute(
            "demand_term_months",
            gettext_lazy("Term wanted"),
            INT,
            "months",
            model_field="demand_term_months",
        ),
        Attribute(
            "has_house",
            gettext_lazy("Owns a house"),
            BOOL,
            verified_by=(DocumentKind.PROPERTY_CERTIFICATE,),
            model_field="has_house",
        ),
        Attribute("has_car", gettext_lazy("Owns a car"), BOOL, model_field="has_car"),
        Attribute(
            "has_life_policy",
            gettext_lazy("Life-insurance policy"),
            BOOL,
            model_field="has_life_policy",
        ),
        Attribute(
            "has_business_licence",
            gettext_lazy("Business licence"),
            BOOL,
            verified_by=(DocumentKind.BUSINESS_LICENCE,),
            model_field="has_business_licence",
        ),
        Attribute(
            "provident_fund_months",
            gettext_lazy("Provident-fund contributions"),
            INT,
            "months",
            model_field="provident_fund_months",
        ),
        Attribute(
            "social_security_months",
            gettext_lazy("Social-security contributions"),
            INT,
            "months",
            model_field="social_security_months",
        ),
        Attribute(
            "has_overdue",
            gettext_lazy("Overdue in the credit record"),
            BOOL,
        ),
        Attribute(
            "overdue_count",
            gettext_lazy("Overdue records"),
            INT,
            "times",
        ),
        Attribute(
            "has_valid_id",
            gettext_lazy("Valid national ID number"),
            BOOL,
            verified_by=(DocumentKind.ID_CARD,),
        ),
    )
}


def attribute_choices() -> list[tuple[str, str]]:
    return [(a.key, str(a.label)) for a in CATALOGUE.values()]


# --- Customer facts -------------------------------------------------------------

_CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS.update({"七": 7, "八": 8, "九": 9, "十": 10})
_NO_OVERDUE = re.compile(r"(无|没有|未有|不曾)逾期|no overdue|never overdue", re.I)
_OVERDUE_N = re.compile(
    r"(\d+|[一二两三四五六七八九十])\s*次\s*逾期|逾期\s*(\d+|[一二两三四五六七八九十])\s*次"
    r"|(\d+)\s*(?:times? )?overdue",
    re.I,
)


def overdue_count(notes: str) -> int:
    """Overdue records as the customer described them in the credit notes."""
    notes = notes or ""
    if not notes or _NO_OVERDUE.search(notes):
        return 0
    found = _OVERDUE_N.search(notes)
    if found:
        raw = next(g for g in found.groups() if g)
        return int(raw) if raw.isdigit() else _CN_DIGITS.get(raw, 1)
    return 1 if ("逾期" in notes or "overdue" in notes.lower()) else 0


def age_on(birth_date: dt.date | None, today: dt.date) -> int | None:
    if birth_date is None:
        return None
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def customer_facts(
    customer, *, today: dt.date, document_kinds: Iterable[str] = ()
) -> dict:
    """The attributes of one customer as rules see them, with where each came from:
    ``{"values": {key: value}, "sources": {key: "declared"|"verified"|"derived"}}``.
    Values are JSON-safe (money as strings) so a match can store them."""
    kinds = set(document_kinds)
    overdue = overdue_count(customer.credit_notes)
    values = {
        "age": age_on(customer.birth_date, today),
        "city": (customer.city or "").strip(),
        "kind": customer.kind,
        "monthly_income": _money_str(customer.monthly_income),
        "demand_amount": _money_str(customer.demand_amount),
        "demand_term_months": customer.demand_term_months,
        "has_house": bool(customer.has_house),
        "has_car": bool(customer.has_car),
        "has_life_policy": bool(customer.has_life_policy),
        "has_business_licence": bool(customer.has_business_licence),
        "provident_fund_months": customer.provident_fund_months or 0,
        "social_security_months": customer.social_security_months or 0,
        "has_overdue": overdue > 0,
        "overdue_count": overdue,
        "has_valid_id": customer.birth_date is not None,
    }
    sources = {}
    for key, attribute in CATALOGUE.items():
        if attribute.verified_by and kinds.intersection(attribute.verified_by):
            sources[key] = VERIFIED
        else:
            sources[key] = DECLARED
    return {"values": values, "sources": sources}


def _money_str(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


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


def _city(value: str) -> str:
    value = (value or "").strip()
    return value[:-1] if len(value) > 1 and value.endswith("市") else value


def _normaliser(field: str) -> Callable[[str], str]:
    return _city if field == "city" else str.strip


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
            norm = _normaliser(attribute.key)
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
            typed[key] = _normaliser(key)(str(value))
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
        language = language or translation.get_language()
        return {
            "rule": _rule_text(language, self.field, self.op, _key(self.value)),
            "failure": "" if self.passed else failure_text(self, language),
            "fix": "" if self.passed else fix_text(self, language),
        }

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


# --- Words ------------------------------------------------------------------------


def _plain_number(value) -> str:
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def _key(value):
    return tuple(value) if isinstance(value, list) else value


def show_value(field: str, value) -> str:
    """A value as a person reads it: ``62岁`` / ``62``, ``8000元`` / ``8000 yuan``.
    Memoised per language: a match explains thousands of criteria."""
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
        from lenddesk.customers.models import CustomerKind

        return str(dict(CustomerKind.choices).get(value, value))
    return str(value)


def rule_text(rule: dict) -> str:
    return _rule_text(
        translation.get_language(), rule["field"], rule["op"], _key(rule.get("value"))
    )


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


# --- SQL pre-filter -------------------------------------------------------------


def _years_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _age_q(op: str, n: int, today: dt.date) -> Q | None:
    # age >= n  <=>  born on or before today − n years
    def at_least(k):
        return Q(birth_date__lte=_years_before(today, k))

    def at_most(k):
        return Q(birth_date__gt=_years_before(today, k + 1))

    return {
        "gte": lambda: at_least(n),
        "gt": lambda: at_least(n + 1),
        "lte": lambda: at_most(n),
        "lt": lambda: at_most(n - 1),
        "eq": lambda: at_least(n) & at_most(n),
        "ne": lambda: Q(birth_date__isnull=False),
    }[op]()


def rule_q(rule: dict, today: dt.date) -> Q | None:
    """The SQL condition a customer must meet for ``rule`` (None: Python only). It
    never drops a customer the rule would accept."""
    attribute = CATALOGUE.get(rule["field"])
    if attribute is None or not attribute.model_field:
        return None
    column, op, value = attribute.model_field, rule["op"], rule.get("value")
    if rule["field"] == "age":
        return _age_q(op, int(value), today)
    if attribute.kind == BOOL:
        return Q(**{column: op == "is_true"})
    if attribute.kind == TEXT:
        values = value if isinstance(value, list) else [value]
        if column == "city":
            values = [v for c in values for v in (_city(c), _city(c) + "市")]
        if op in ("in", "eq"):
            return Q(**{"%s__in" % column: values})
        return ~Q(**{"%s__in" % column: values}) & ~Q(**{column: ""})
    if op == "ne":
        return Q(**{"%s__isnull" % column: False})
    lookup = {"gte": "gte", "lte": "lte", "gt": "gt", "lt": "lt", "eq": "exact"}[op]
    return Q(**{"%s__%s" % (column, lookup): value})


def prefilter_q(rules: list[dict], today: dt.date) -> Q:
    condition = Q()
    for rule in rules:
        q = rule_q(rule, today)
        if q is not None:
            condition &= q
    return condition
