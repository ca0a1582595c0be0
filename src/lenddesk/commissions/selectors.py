"""Every read of commissions, from ``visible_to(actor)``: a staff member sees their
own statements (a manager their team's, finance the firm's, by data scope); partner
statements follow the partner's account manager; the portal shows a partner only
their own."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.shortcuts import get_object_or_404

from lenddesk.commissions.models import (
    PartnerLine,
    PartnerPlan,
    PartnerStatement,
    PayingEntity,
    PayoutBatch,
    PayoutItem,
    StaffLine,
    StaffPlan,
    StaffStatement,
)


def staff_statement_list(*, actor, month=None, status="", q=""):
    rows = StaffStatement.objects.visible_to(actor).select_related("user")
    if month is not None:
        rows = rows.filter(month=month)
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(
            Q(user__display_name__icontains=q) | Q(user__username__icontains=q)
        )
    return rows.order_by("-month", "user__display_name", "id")


def staff_statement_get(*, actor, statement_id: int) -> StaffStatement:
    return get_object_or_404(
        StaffStatement.objects.visible_to(actor).select_related("user"),
        pk=statement_id,
    )


def staff_lines(statement: StaffStatement):
    return (
        StaffLine.objects.filter(statement=statement)
        .select_related("receipt", "order")
        .order_by("receipt__occurred_on", "receipt_id", "id")
    )


def partner_statement_list(*, actor, month=None, status="", entity=None, q=""):
    rows = PartnerStatement.objects.visible_to(actor).select_related(
        "partner", "paying_entity"
    )
    if month is not None:
        rows = rows.filter(month=month)
    if status:
        rows = rows.filter(status=status)
    if entity is not None:
        rows = rows.filter(paying_entity_id=entity)
    if q:
        rows = rows.filter(partner__name__icontains=q)
    return rows.order_by("-month", "partner__name", "id")


def partner_statement_get(*, actor, statement_id: int) -> PartnerStatement:
    return get_object_or_404(
        PartnerStatement.objects.visible_to(actor).select_related(
            "partner", "paying_entity"
        ),
        pk=statement_id,
    )


def partner_lines(statement: PartnerStatement):
    return (
        PartnerLine.objects.filter(statement=statement)
        .select_related("receipt", "order", "referrer")
        .order_by("receipt__occurred_on", "receipt_id", "level", "id")
    )


def portal_statements(partner):
    """A partner's own statements, for the portal (no staff scope applies)."""
    return (
        PartnerStatement.objects.filter(partner=partner)
        .select_related("paying_entity")
        .order_by("-month", "id")
    )


def portal_statement_get(partner, statement_id: int) -> PartnerStatement:
    return get_object_or_404(portal_statements(partner), pk=statement_id)


def staff_plan_current() -> StaffPlan | None:
    return StaffPlan.objects.filter(is_active=True).first()


def staff_plans():
    return StaffPlan.objects.order_by("-is_active", "-id")


def partner_plans():
    return PartnerPlan.objects.select_related("paying_entity").order_by(
        "-is_default", "id"
    )


def paying_entities(active_only: bool = False):
    rows = PayingEntity.objects.order_by("id")
    return rows.filter(is_active=True) if active_only else rows


def batch_list(*, status=""):
    rows = PayoutBatch.objects.select_related("paying_entity", "created_by")
    return rows.filter(status=status) if status else rows


def batch_get(batch_id: int) -> PayoutBatch:
    return get_object_or_404(
        PayoutBatch.objects.select_related("paying_entity", "created_by", "paid_by"),
        pk=batch_id,
    )


def batch_items(batch: PayoutBatch):
    return (
        PayoutItem.objects.filter(batch=batch)
        .select_related("partner", "statement")
        .order_by("id")
    )


def months_with_statements(limit: int = 24) -> list[dt.date]:
    staff = StaffStatement.objects.values_list("month", flat=True).distinct()
    partner = PartnerStatement.objects.values_list("month", flat=True).distinct()
    return sorted(set(staff) | set(partner), reverse=True)[:limit]
