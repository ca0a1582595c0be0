"""Month-end close (月结): lock a month that is over and store its totals once.

Inside one transaction, under the firm's finance lock: the month is marked closed
(from then on ``period_for`` sends rows dated in it to the next open month), every
registered close step runs (commissions locks its statements), then the month's
totals are computed and stored. A step that refuses rolls the whole close back.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.scope import scope_q
from lenddesk.audit.services import audit_record
from lenddesk.finance.closing import close_steps, lock_books, month_start
from lenddesk.finance.errors import FinanceError
from lenddesk.finance.ledger import month_totals
from lenddesk.finance.models import ClosedMonth
from lenddesk.finance.services.common import EARLIEST, FinanceAudit, refusal

MONTH = re.compile(r"(\d{4})-(\d{2})")


def clean_month(value, field: str = "month") -> dt.date:
    """A month as ``YYYY-MM`` (or a date), from 2000 on: its first day."""
    if isinstance(value, dt.date):
        return month_start(value)
    match = MONTH.fullmatch(str(value or "").strip()[:7])
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and year >= EARLIEST.year and year <= 9999:
            return dt.date(year, month, 1)
    raise refusal(field, _("Enter a month as YYYY-MM."), "invalid")


@transaction.atomic
def month_close(*, actor, month) -> ClosedMonth:
    """Close a month that is over; its totals never change afterwards."""
    month = clean_month(month)
    if scope_q(actor, owner="owner"):  # the totals are the whole firm's
        raise refusal(
            None,
            _("Only someone who sees the whole firm's data can close a month."),
            FinanceError.SCOPE_TOO_NARROW,
        )
    if month >= month_start(timezone.localdate()):
        raise refusal(
            "month",
            _("Only a month that is over can be closed."),
            FinanceError.MONTH_NOT_OVER,
        )
    lock_books()
    try:
        with transaction.atomic():
            closed = ClosedMonth.objects.create(month=month, closed_by=actor)
    except IntegrityError:
        raise refusal(
            "month", _("This month is already closed."), FinanceError.MONTH_CLOSED
        ) from None
    for step in close_steps():
        step(actor, month)
    closed.totals = month_totals(actor, month)
    closed.save(update_fields=["totals"])
    audit_record(
        actor=actor,
        action=FinanceAudit.MONTH_CLOSED,
        target=closed,
        changes={"month": month, **closed.totals},
    )
    return closed
