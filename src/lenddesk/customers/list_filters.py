"""The customer list's query parameters: the filters (anything malformed is ignored
and named) and the sort order."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from lenddesk.customers.models import Rating
from lenddesk.web.params import int_or_none


@dataclass
class CustomerFilters:
    q: str = ""
    stage: int | None = None
    rating: str = ""
    tag: str = ""
    owner: int | None = None
    department: int | None = None
    channel: str = ""
    city: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    overdue: bool = False
    due: bool = False  # next follow-up by tonight, overdue ones included
    fresh: bool = False  # became theirs in the last three days, never followed up
    # Parameters that were given but malformed or out of range, so were ignored.
    ignored: tuple[str, ...] = ()


AMOUNT_MAX = Decimal("999999999999.99")
_AMOUNT = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,2})?)\s*(万|w|W)?")
TEN_THOUSAND = Decimal(10000)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_amount(value) -> Decimal | None:
    """An amount in yuan from a filter box: ``300000``, ``300000.5``, or in 万
    (``30万``, ``30w``); None unless it is a number from 0 to the column's maximum."""
    text = value.strip().replace(",", "").replace("，", "") if value else ""
    match = _AMOUNT.fullmatch(text)
    if match is None:
        return None
    amount = Decimal(match.group(1)) * (TEN_THOUSAND if match.group(2) else 1)
    return amount if amount <= AMOUNT_MAX else None


def _given(params, name: str) -> bool:
    return bool(str(params.get(name, "") or "").strip())


def _ignored(params, parsed: dict) -> tuple[str, ...]:
    return tuple(
        n for n, value in parsed.items() if value is None and _given(params, n)
    )


def filters_from(params) -> CustomerFilters:
    """List filters from query parameters; anything malformed is ignored, and named
    in ``ignored`` so the page can say so."""
    rating = params.get("rating", "")
    checked = {
        "stage": int_or_none(params.get("stage")),
        "owner": int_or_none(params.get("owner")),
        "department": int_or_none(params.get("department")),
        "from": _date(params.get("from")),
        "to": _date(params.get("to")),
        "amount_min": parse_amount(params.get("amount_min")),
        "amount_max": parse_amount(params.get("amount_max")),
    }
    return CustomerFilters(
        q=params.get("q", "")[:80],
        stage=checked["stage"],
        rating=rating if rating in Rating.values else "",
        tag=params.get("tag", "").strip()[:30],
        owner=checked["owner"],
        department=checked["department"],
        channel=params.get("channel", "").strip()[:60],
        city=params.get("city", "").strip()[:40],
        created_from=checked["from"],
        created_to=checked["to"],
        amount_min=checked["amount_min"],
        amount_max=checked["amount_max"],
        overdue=params.get("overdue") == "1",
        due=params.get("due") == "1",
        fresh=params.get("fresh") == "1",
        ignored=_ignored(params, checked),
    )


@dataclass(frozen=True)
class ListOrder:
    """How the list is sorted: a column and a direction; ties go by id the same way."""

    key: str
    descending: bool

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.key

    @property
    def field(self) -> str:
        return ORDER_FIELDS[self.key]


ORDER_FIELDS = {
    "created": "pk",
    "next_followup": "next_followup_at",
    "amount": "demand_amount",
    "last_followup": "last_followup_at",
}
NEWEST = ListOrder("created", descending=True)


def order_from(value) -> ListOrder:
    """The ``sort`` parameter (``amount``, ``-amount`` …); newest first otherwise."""
    text = value if isinstance(value, str) else ""
    key = text[1:] if text.startswith("-") else text
    if key not in ORDER_FIELDS:
        return NEWEST
    return ListOrder(key, descending=text.startswith("-"))
