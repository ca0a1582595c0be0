"""Reads of the loan side of an order: submissions, approval rates, the disbursement
and its schedule, fund-use checks and the after-loan lists.

Every read starts from the orders the actor may see (``Order.objects.visible_to``:
the customer's data scope plus the orders they handle a step of), so a processor who
handles an order sees its loan too, and nobody else's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.orders.models import (
    Disbursement,
    FundUseCheck,
    Instalment,
    Order,
    OrderStatus,
    Submission,
    SubmissionStatus,
)
from lenddesk.orders.selectors import order_get, orders_visible

ZERO = Decimal("0")
LIST_CAP = 500
MATURITY_DAYS = 60


def order_page_url(order: Order) -> str:
    """The order page (orders:detail); the loan page while there is none."""
    try:
        return reverse("orders:detail", args=[order.pk])
    except NoReverseMatch:
        return reverse("orders:loan", args=[order.pk])


def submissions_of(*, actor: User, order: Order) -> list[Submission]:
    """The order's submissions, newest first, re-submissions included."""
    return list(
        Submission.objects.filter(order__in=orders_visible(actor), order=order)
        .select_related("funder", "product", "submitted_by", "decided_by")
        .order_by("-id")
    )


def submission_get(*, actor: User, submission_id: int) -> Submission:
    submission = (
        Submission.objects.filter(order__in=orders_visible(actor))
        .select_related("order", "order__customer", "order__owner", "funder")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise Http404
    return submission


def approved_submission(order: Order) -> Submission | None:
    """The funder's approval the loan is disbursed against (the latest one)."""
    return (
        Submission.objects.filter(order=order, status=SubmissionStatus.APPROVED)
        .select_related("funder", "product")
        .order_by("-decided_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class ApprovalRate:
    funder_id: int
    funder: str
    product_id: int | None
    product: str
    submitted: int
    approved: int
    rejected: int
    withdrawn: int
    pending: int

    @property
    def rate(self) -> Decimal | None:
        """Approved out of those the funder answered, in percent."""
        answered = self.approved + self.rejected
        if not answered:
            return None
        return (Decimal(100) * self.approved / answered).quantize(Decimal("0.1"))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def approval_rates(
    *, actor: User, since: dt.date, until: dt.date
) -> list[ApprovalRate]:
    """Per funder and product, the submissions made in ``since`` … ``until``
    (inclusive) on orders the actor may see: one grouped query."""
    status = SubmissionStatus
    rows = (
        Submission.objects.filter(
            order__in=orders_visible(actor),
            submitted_at__gte=_day_start(since),
            submitted_at__lt=_day_start(until + dt.timedelta(days=1)),
        )
        .values("funder_id", "funder__name", "product_id", "product__name")
        .annotate(
            submitted=Count("id"),
            approved=Count("id", filter=Q(status=status.APPROVED)),
            rejected=Count("id", filter=Q(status=status.REJECTED)),
            withdrawn=Count("id", filter=Q(status=status.WITHDRAWN)),
            pending=Count("id", filter=Q(status=status.PENDING)),
        )
        .order_by("funder__name", "product__name")
    )
    return [
        ApprovalRate(
            funder_id=r["funder_id"],
            funder=r["funder__name"],
            product_id=r["product_id"],
            product=r["product__name"] or "",
            submitted=r["submitted"],
            approved=r["approved"],
            rejected=r["rejected"],
            withdrawn=r["withdrawn"],
            pending=r["pending"],
        )
        for r in rows
    ]


# --- disbursement and schedule --------------------------------------------------------


def disbursement_of(*, actor: User, order: Order) -> Disbursement | None:
    return (
        Disbursement.objects.filter(order__in=orders_visible(actor), order=order)
        .select_related("submission__funder", "recorded_by")
        .first()
    )


def disbursement_get(*, actor: User, order_id: int) -> tuple[Order, Disbursement]:
    """An order in the actor's reach and its disbursement; 404 until the loan is
    paid out."""
    order = order_get(actor=actor, order_id=order_id)
    disbursement = disbursement_of(actor=actor, order=order)
    if disbursement is None:
        raise Http404
    return order, disbursement


@dataclass(frozen=True)
class Schedule:
    rows: list[Instalment]
    principal: Decimal
    interest: Decimal
    total: Decimal
    paid: int
    overdue: int

    @property
    def count(self) -> int:
        return len(self.rows)


def schedule_of(disbursement: Disbursement) -> Schedule:
    rows = list(Instalment.objects.filter(disbursement=disbursement).order_by("number"))
    return Schedule(
        rows=rows,
        principal=sum((r.principal for r in rows), ZERO),
        interest=sum((r.interest for r in rows), ZERO),
        total=sum((r.total for r in rows), ZERO),
        paid=sum(1 for r in rows if r.paid_on),
        overdue=sum(1 for r in rows if r.is_overdue and not r.paid_on),
    )


def instalment_get(*, actor: User, instalment_id: int) -> Instalment:
    instalment = (
        Instalment.objects.filter(disbursement__order__in=orders_visible(actor))
        .select_related("disbursement__order")
        .filter(pk=instalment_id)
        .first()
    )
    if instalment is None:
        raise Http404
    return instalment


def fund_checks_of(*, actor: User, order: Order) -> list[FundUseCheck]:
    return list(
        FundUseCheck.objects.filter(order__in=orders_visible(actor), order=order)
        .select_related("checked_by")
        .order_by("-checked_on", "-id")
    )


# --- after-loan lists -----------------------------------------------------------------


def _instalments(actor: User) -> QuerySet[Instalment]:
    return (
        Instalment.objects.filter(
            disbursement__order__in=orders_visible(actor), paid_on__isnull=True
        )
        .exclude(disbursement__order__status=OrderStatus.CANCELLED)
        .select_related("disbursement__order__customer", "disbursement__order__owner")
    )


def upcoming_repayments(
    *, actor: User, start: dt.date, end: dt.date
) -> list[Instalment]:
    """Unpaid instalments falling due in ``start`` … ``end``, soonest first."""
    return list(
        _instalments(actor)
        .filter(due_on__gte=start, due_on__lte=end)
        .order_by("due_on", "id")[:LIST_CAP]
    )


def overdue_instalments(*, actor: User, today: dt.date) -> list[Instalment]:
    """Past due and not marked repaid, the oldest first."""
    return list(
        _instalments(actor).filter(due_on__lt=today).order_by("due_on", "id")[:LIST_CAP]
    )


def maturing_loans(
    *, actor: User, today: dt.date, days: int = MATURITY_DAYS
) -> list[Disbursement]:
    """Loans whose last instalment falls due within ``days``: the second sale."""
    return list(
        Disbursement.objects.filter(order__in=orders_visible(actor))
        .exclude(order__status=OrderStatus.CANCELLED)
        .annotate(last_due=Max("instalments__due_on"))
        .filter(last_due__gte=today, last_due__lte=today + dt.timedelta(days=days))
        .select_related("order__customer", "order__owner")
        .order_by("last_due", "id")[:LIST_CAP]
    )
