"""Commissions as a cost of each order (finance's profit tables): the staff and
partner lines of the months asked for, summed per order and month. A clawback makes
the sum smaller, or negative."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils.translation import gettext as _

from lenddesk.commissions.models import PartnerLine, StaffLine
from lenddesk.finance.costs import CostRow
from lenddesk.orders.models import Order


def commission_costs(actor, first_month: dt.date, last_month: dt.date) -> list[CostRow]:
    orders = Order.objects.visible_to(actor).values("id")
    rows = []
    for model, kind, label in (
        (StaffLine, "staff_commission", _("Staff commission")),
        (PartnerLine, "partner_commission", _("Partner commission")),
    ):
        sums = (
            model.objects.filter(
                order_id__in=orders,
                statement__month__gte=first_month,
                statement__month__lte=last_month,
            )
            .values("order_id", "statement__month")
            .annotate(total=Sum("amount"))
            .order_by("statement__month", "order_id")
        )
        rows.extend(
            CostRow(
                kind=kind,
                month=row["statement__month"],
                amount=row["total"],
                label=str(label),
                order_id=row["order_id"],
            )
            for row in sums
            if row["total"]
        )
    return rows
