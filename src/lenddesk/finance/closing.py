"""Month-end close (月结) as other apps see it.

- ``register_close_step(fn)``: ``fn(actor, month)`` runs inside the close transaction,
  after the month's rows are locked; raise ``ValidationError`` with a code to refuse.
- ``month_is_closed(month)``: whether the current firm closed that month.
- ``period_for(day)``: the first day of the month a row dated ``day`` counts in: its
  own month while open, else the first open month after it.
- ``lock_books()``: the firm's finance lock. Recording a row and closing a month both
  take it first, so no row slips into a month while that month is being closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import IntegrityError, transaction

from lenddesk.finance.models import ClosedMonth, FinancePolicy

CloseStep = Callable[[object, dt.date], None]
_STEPS: list[CloseStep] = []


def register_close_step(fn: CloseStep) -> CloseStep:
    """Run ``fn(actor, month)`` inside every month's close; usable as a decorator."""
    if fn not in _STEPS:
        _STEPS.append(fn)
    return fn


def close_steps() -> list[CloseStep]:
    return list(_STEPS)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_is_closed(month: dt.date) -> bool:
    return ClosedMonth.objects.filter(month=month_start(month)).exists()


def period_for(day: dt.date) -> dt.date:
    """Its own month while open, else the first open month after it."""
    month = month_start(day)
    closed = set(
        ClosedMonth.objects.filter(month__gte=month).values_list("month", flat=True)
    )
    while month in closed:
        month = next_month(month)
    return month


def policy() -> FinancePolicy:
    """The firm's policy row, made on first use."""
    found = FinancePolicy.objects.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return FinancePolicy.objects.create()
    except IntegrityError:  # made by someone else a moment ago
        return FinancePolicy.objects.get()


def lock_books() -> FinancePolicy:
    """Take the firm's finance lock (inside a transaction) and return the policy."""
    pk = policy().pk
    return FinancePolicy.objects.select_for_update().get(pk=pk)
