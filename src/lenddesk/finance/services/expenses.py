"""Other expenses (其他支出): costs that are neither channel spend nor commissions."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.acquisition.models import Channel
from lenddesk.audit.services import audit_record
from lenddesk.finance.closing import lock_books, period_for
from lenddesk.finance.models import OtherExpense
from lenddesk.finance.services.common import (
    FinanceAudit,
    clean_day,
    clean_money,
    refusal,
)
from lenddesk.orders.selectors import orders_visible
from lenddesk.web.params import int_or_none

CATEGORY_MAX, NOTE_MAX = 40, 300


def _pick(queryset, value, field: str, message: str):
    if value in (None, ""):
        return None
    pk = int_or_none(getattr(value, "pk", value))
    found = queryset.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise refusal(field, message, "invalid")
    return found


def _text(value, field: str, limit: int, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise refusal(field, _("Enter the category."), "required")
    if len(text) > limit:
        raise refusal(field, _("At most %d characters.") % limit, "invalid")
    return text


@transaction.atomic
def expense_record(
    *, actor, category, amount, occurred_on, order=None, channel=None, note=""
) -> OtherExpense:
    """Record an expense; it counts in its month, or the first open one after."""
    category = _text(category, "category", CATEGORY_MAX, required=True)
    amount = clean_money(amount, "amount")
    occurred_on = clean_day(occurred_on, "occurred_on")
    note = _text(note, "note", NOTE_MAX, required=False)
    order = _pick(
        orders_visible(actor), order, "order", _("Choose an order you can see.")
    )
    channel = _pick(Channel.objects.all(), channel, "channel", _("Choose a channel."))
    lock_books()
    expense = OtherExpense.objects.create(
        category=category,
        amount=amount,
        occurred_on=occurred_on,
        period=period_for(occurred_on),
        order=order,
        channel=channel or (order.channel if order else None),
        note=note,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=FinanceAudit.EXPENSE,
        target=expense,
        changes={
            "category": category,
            "amount": amount,
            "occurred_on": occurred_on,
            "period": expense.period,
            "order": expense.order_id,
            "channel": expense.channel_id,
        },
    )
    return expense
