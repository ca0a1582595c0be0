"""The catalogue of customer attributes that eligibility rules and scorecards may use,
and one customer's values of them (``customer_facts``) with where each came from."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy

from lenddesk.customers.models import DocumentKind

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


def band_attribute_choices() -> list[tuple[str, str]]:
    """The attributes a scorecard band may score: numbers and yes/no."""
    return [
        (a.key, str(a.label))
        for a in CATALOGUE.values()
        if a.kind in (INT, MONEY, BOOL)
    ]


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


# --- Text values as rules compare them --------------------------------------------


def city_name(value: str) -> str:
    """A city without its 市 suffix: 成都市 and 成都 are one city."""
    value = (value or "").strip()
    return value[:-1] if len(value) > 1 and value.endswith("市") else value


def normaliser(field: str) -> Callable[[str], str]:
    return city_name if field == "city" else str.strip
