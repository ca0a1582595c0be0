"""Month reports: the withholding report per paying entity (for the tax filing) and
the reconciliation of payouts against statements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.commissions.models import (
    PartnerPayee,
    PartnerStatement,
    PayoutItem,
    PayoutStatus,
    StatementStatus,
)
from lenddesk.commissions.tax import ZERO


@dataclass
class WithholdingRow:
    statement: PartnerStatement
    name: str
    masked_id: str
    income: Decimal
    taxable: Decimal
    tax: Decimal
    net: Decimal


WITHHOLDING_HEADERS = (
    gettext_lazy("Partner"),
    gettext_lazy("ID number"),
    gettext_lazy("Income"),
    gettext_lazy("Taxable"),
    gettext_lazy("Tax withheld"),
    gettext_lazy("Net"),
)


def withholding_rows(*, actor, month: dt.date, entity) -> list[WithholdingRow]:
    statements = list(
        PartnerStatement.objects.visible_to(actor)
        .filter(month=month, paying_entity=entity)
        .exclude(gross=0, tax=0)
        .select_related("partner")
        .order_by("partner__name", "id")
    )
    payees = {
        p.partner_id: p
        for p in PartnerPayee.objects.filter(
            partner_id__in=[s.partner_id for s in statements]
        )
    }
    rows = []
    for s in statements:
        payee = payees.get(s.partner_id)
        rows.append(
            WithholdingRow(
                statement=s,
                name=(
                    payee.legal_name if payee and payee.legal_name else s.partner.name
                ),
                masked_id=payee.masked("id_number") if payee else "",
                income=s.gross,
                taxable=s.taxable,
                tax=s.tax,
                net=s.net,
            )
        )
    return rows


def withholding_table(rows: list[WithholdingRow]) -> list[list]:
    return [[r.name, r.masked_id, r.income, r.taxable, r.tax, r.net] for r in rows]


def totals(rows, *names) -> dict[str, Decimal]:
    return {n: sum((getattr(r, n) for r in rows), ZERO) for n in names}


@dataclass
class ReconRow:
    statement: PartnerStatement
    paid: Decimal  # what a paid batch paid for it
    batch_number: str
    batch_status: str
    problem: str

    @property
    def difference(self) -> Decimal:
        return self.statement.net - self.paid


def _problem(statement, item) -> str:
    if item is None:
        if statement.status == StatementStatus.DRAFT:
            return _("Not approved")
        return _("Not in a payout batch")
    if item.batch.status != PayoutStatus.PAID:
        return _("Batch not paid yet")
    if item.amount != statement.net:
        return _("Paid amount differs from the statement")
    return ""


def reconciliation(*, actor, month: dt.date, entity=None) -> list[ReconRow]:
    """Every statement of the month with something to pay, or paid: what it says,
    what was paid, and what is off."""
    statements = (
        PartnerStatement.objects.visible_to(actor)
        .filter(month=month)
        .filter(Q(net__gt=0) | Q(payout_item__isnull=False))
        .select_related("partner", "paying_entity")
        .order_by("partner__name", "id")
    )
    if entity is not None:
        statements = statements.filter(paying_entity=entity)
    statements = list(statements)
    items = {
        i.statement_id: i
        for i in PayoutItem.objects.filter(
            statement_id__in=[s.pk for s in statements]
        ).select_related("batch")
    }
    rows = []
    for s in statements:
        item = items.get(s.pk)
        paid = item.amount if item and item.batch.status == PayoutStatus.PAID else ZERO
        rows.append(
            ReconRow(
                statement=s,
                paid=paid,
                batch_number=item.batch.number if item else "",
                batch_status=item.batch.get_status_display() if item else "",
                problem=_problem(s, item),
            )
        )
    return rows
