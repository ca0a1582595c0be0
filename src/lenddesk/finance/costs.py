"""The costs behind profit, from whichever app records them.

A cost source is ``fn(actor, first_month, last_month) -> Iterable[CostRow]``: the rows
the actor may see whose ``month`` (first day of a month) lies between the two months,
both included. Commissions registers its own (``register_cost_source``) from its
``apps.py`` ``ready()``; finance registers channel spend and other expenses itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CostRow:
    """One cost: ``amount`` above zero (a clawback is a negative row), in ``month``;
    ``order_id`` / ``channel_id`` when it belongs to one; ``url`` shows the row."""

    kind: (
        str  # "channel_spend", "commission", "other", … — a column of the profit table
    )
    month: dt.date
    amount: Decimal
    label: str
    url: str = ""
    order_id: int | None = None
    channel_id: int | None = None


CostSource = Callable[[object, dt.date, dt.date], Iterable[CostRow]]
_SOURCES: list[CostSource] = []
_KIND_LABELS: dict[str, object] = {}


def register_cost_kind(kind: str, label) -> None:
    """The column title of a kind of cost (a lazy translation), in the order the
    profit table shows them."""
    _KIND_LABELS.setdefault(kind, label)


def cost_kinds() -> dict[str, object]:
    return dict(_KIND_LABELS)


def register_cost_source(fn: CostSource) -> CostSource:
    """Add a source of cost rows; usable as a decorator."""
    if fn not in _SOURCES:
        _SOURCES.append(fn)
    return fn


def cost_sources() -> list[CostSource]:
    return list(_SOURCES)


def cost_rows(actor, first_month: dt.date, last_month: dt.date) -> list[CostRow]:
    """Every registered source's rows for the months, in source order."""
    rows: list[CostRow] = []
    for source in _SOURCES:
        rows.extend(source(actor, first_month, last_month))
    return rows
