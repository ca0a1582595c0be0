"""Which statement a new line goes into, found or made in bulk.

A line belongs to its payee's statement of the receipt's month. When that statement
is frozen (locked by the month close, or a partner statement already in a payout
batch) the line goes into the next month's instead: a locked statement never
changes. An approved statement that receives a line goes back to draft (new money
arrived after the approval; it is approved again with it).
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from lenddesk.audit.services import audit_records
from lenddesk.commissions.audit import CommissionAudit
from lenddesk.commissions.models import (
    PartnerStatement,
    PayingEntity,
    PayoutItem,
    StaffStatement,
    StatementStatus,
)
from lenddesk.finance.models import ClosedMonth

MAX_HOPS = 24  # months a line may travel forward past frozen statements


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _staff_existing(keys: set[tuple]) -> dict[tuple, tuple[int, bool]]:
    rows = StaffStatement.objects.filter(
        user_id__in={k[0] for k in keys}, month__in={k[-1] for k in keys}
    ).values_list("user_id", "month", "id", "locked_at")
    return {
        (user, month): (pk, locked is not None)
        for user, month, pk, locked in rows
        if (user, month) in keys
    }


def _partner_existing(keys: set[tuple]) -> dict[tuple, tuple[int, bool]]:
    in_batch = PayoutItem.objects.filter(statement_id=OuterRef("pk"))
    rows = (
        PartnerStatement.objects.filter(
            partner_id__in={k[0] for k in keys}, month__in={k[-1] for k in keys}
        )
        .annotate(in_batch=Exists(in_batch))
        .values_list(
            "partner_id",
            "paying_entity_id",
            "month",
            "id",
            "locked_at",
            "status",
            "in_batch",
        )
    )
    found = {}
    for partner, entity, month, pk, locked, status, batched in rows:
        frozen = locked is not None or batched or status == StatementStatus.PAID
        if (partner, entity, month) in keys:
            found[(partner, entity, month)] = (pk, frozen)
    return found


def _staff_create(keys: set[tuple]) -> None:
    StaffStatement.objects.bulk_create(
        [StaffStatement(user_id=user, month=month) for user, month in keys],
        ignore_conflicts=True,
        batch_size=1000,
    )


def _partner_create(keys: set[tuple]) -> None:
    methods = dict(
        PayingEntity.objects.filter(pk__in={k[1] for k in keys}).values_list(
            "id", "method"
        )
    )
    PartnerStatement.objects.bulk_create(
        [
            PartnerStatement(
                partner_id=partner,
                paying_entity_id=entity,
                month=month,
                method=methods[entity],
            )
            for partner, entity, month in keys
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )


# The month whose close is running: its own receipts may still make lines in it.
closing_month: ContextVar[dt.date | None] = ContextVar("closing_month", default=None)


def _closed_months() -> set[dt.date]:
    closed = set(ClosedMonth.objects.values_list("month", flat=True))
    return closed - {closing_month.get()}


def _route(keys: set[tuple], existing, create) -> dict[tuple, int]:
    """key → the id of the statement its lines go into (made when missing). A month
    finance has closed takes no new statement."""
    result: dict[tuple, int] = {}
    closed = _closed_months()
    pending = {key: key for key in keys}
    for _hop in range(MAX_HOPS):
        wanted = {k for k in pending.values() if k[-1] not in closed}
        found = existing(wanted)
        missing = wanted - set(found)
        if missing:
            create(missing)
            found.update(existing(missing))
        moved = {}
        for key, current in pending.items():
            pk, frozen = found.get(current, (None, True))
            if frozen:
                moved[key] = (*current[:-1], next_month(current[-1]))
            else:
                result[key] = pk
        pending = moved
        if not pending:
            return result
    raise RuntimeError("no open statement within %d months" % MAX_HOPS)


def _reopen(model, ids: set[int], what: str) -> None:
    """Approved statements that just received a line go back to draft."""
    approved = list(
        model.objects.filter(pk__in=ids, status=StatementStatus.APPROVED).values_list(
            "id", flat=True
        )
    )
    if not approved:
        return
    model.objects.filter(pk__in=approved, status=StatementStatus.APPROVED).update(
        status=StatementStatus.DRAFT,
        approved_by=None,
        approved_at=None,
        updated_at=timezone.now(),
    )
    audit_records(
        [
            {
                "action": CommissionAudit.STATEMENT_REOPENED,
                "object_type": what,
                "object_id": str(pk),
                "reason": "new line after approval",
            }
            for pk in approved
        ]
    )


def staff_statement_ids(keys: set[tuple]) -> dict[tuple, int]:
    """(user id, month) → the staff statement the lines go into."""
    result = _route(keys, _staff_existing, _staff_create)
    _reopen(StaffStatement, set(result.values()), "commissions.staffstatement")
    return result


def partner_statement_ids(keys: set[tuple]) -> dict[tuple, int]:
    """(partner id, paying entity id, month) → the partner statement."""
    result = _route(keys, _partner_existing, _partner_create)
    _reopen(PartnerStatement, set(result.values()), "commissions.partnerstatement")
    return result


def open_statements(model, *, ids=None, month=None):
    """The statements that may still change: not locked (and, for partners, neither
    paid nor in a batch)."""
    condition = Q(pk__in=ids) if ids is not None else Q(month=month)
    rows = model.objects.filter(condition, locked_at__isnull=True)
    if model is PartnerStatement:
        rows = rows.exclude(status=StatementStatus.PAID).exclude(
            Exists(PayoutItem.objects.filter(statement_id=OuterRef("pk")))
        )
    return rows
