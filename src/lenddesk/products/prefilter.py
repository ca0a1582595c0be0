"""Rules as a SQL condition on customers: reverse matching first narrows the
candidates in the database, then checks the rest in Python."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from lenddesk.products.attributes import BOOL, CATALOGUE, TEXT, city_name


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
            values = [v for c in values for v in (city_name(c), city_name(c) + "市")]
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
