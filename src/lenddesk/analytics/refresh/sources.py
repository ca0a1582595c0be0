"""Which source rows make each metric: the one definition refresh and drill share.

Every metric is one or more ``Source``: a firm's queryset of the rows that count, the
field giving the row's day (a datetime is read as its Beijing date), the path to the
person the number belongs to, and where the metric has them the lead's channel and ad
account, the funder and product, and the amount. ``analytics.refresh`` groups these
rows into ``DailyFact``; ``analytics.drill`` lists the very same rows, so a list's
count is the fact's number. Channel spend is spread over days in Python
(``spend_days``): an entry covers a period, the facts need a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, When

from lenddesk.acquisition.models import AdSpend, Attribution
from lenddesk.commissions.models import PartnerLine, StaffLine
from lenddesk.customers.models import Customer, FollowUp, TimelineEvent, Visit
from lenddesk.finance.models import Receipt, ReceiptKind
from lenddesk.orders.models import (
    Disbursement,
    Order,
    OrderStatus,
    Submission,
    SubmissionStatus,
)
from lenddesk.telephony.models import CallRecord, CallResult

ZONE = ZoneInfo("Asia/Shanghai")  # a fact's day is the Beijing date of its event
CENT = Decimal("0.01")
RETURN_KINDS = ("returned", "released")  # timeline kinds of a return to the pool
SPEND = "spend"


@dataclass(frozen=True)
class Source:
    """One kind of source row of a metric (see the module docstring)."""

    key: str  # names the kind of row on the drill page
    rows: Callable[[], QuerySet]
    day: str
    user: str
    at: bool = True  # ``day`` is a datetime (else a date)
    channel: str | None = None
    ad_account: str | None = None
    lead: str | None = None  # path to the customer whose attribution has the account
    funder: str | None = None
    product: str | None = None
    amount: object = None  # field name or expression; None: the metric counts rows
    customer: str | None = None  # path to the customer, for the drill list
    order: str | None = None  # path to the order, for the drill list


def _lead(prefix: str) -> dict:
    """The channel and ad account of the lead behind a row (through its customer)."""
    return {
        "channel": prefix + "channel",
        "ad_account": prefix + "attribution__ad_account_id",
        "lead": prefix.removesuffix("__"),
    }


def ad_account_of(source: Source) -> Subquery:
    """The ad account of the row's lead, looked up per row through the attribution's
    unique customer index (a join read the firm's every attribution: 0.5 s at 1M)."""
    customer = source.lead or "pk"
    return Subquery(
        Attribution.objects.filter(customer_id=OuterRef(customer)).values(
            "ad_account_id"
        )[:1]
    )


def _signed_fee():
    return Case(When(kind=ReceiptKind.REFUND, then=-F("amount")), default=F("amount"))


def _order_money(model, key: str) -> Source:
    return Source(
        key,
        model.objects.all,
        day="receipt__occurred_on",
        at=False,
        user="order__owner",
        amount="amount",
        customer="order__customer",
        order="order",
        **_lead("order__customer__"),
    )


def _decided(status: str):
    return lambda: Submission.objects.filter(status=status, decided_at__isnull=False)


def _submissions(day: str, rows) -> Source:
    """Funder submissions by funder and product: sent (``submitted_at``), or
    answered with ``status`` (``decided_at``)."""
    return Source(
        "submission",
        rows,
        day=day,
        user="order__owner",
        funder="funder_id",
        product="product_id",
        customer="order__customer",
        order="order",
    )


SOURCES: dict[str, tuple[Source, ...]] = {
    "new_customers": (
        Source(
            "customer",
            Customer.objects.all,
            day="created_at",
            user="owner",
            customer="",
            **_lead(""),
        ),
    ),
    "followups": (
        Source(
            "followup",
            lambda: FollowUp.objects.filter(is_system=False),
            day="created_at",
            user="author",
            customer="customer",
        ),
    ),
    "calls": (
        Source(
            "call",
            CallRecord.objects.all,
            day="started_at",
            user="staff",
            customer="customer",
        ),
    ),
    "calls_connected": (
        Source(
            "call",
            lambda: CallRecord.objects.filter(result=CallResult.CONNECTED),
            day="started_at",
            user="staff",
            customer="customer",
        ),
    ),
    "visits": (
        Source(
            "visit",
            lambda: Visit.objects.filter(status="arrived"),
            day="scheduled_at",
            user="booked_by",
            customer="customer",
        ),
    ),
    "signed_orders": (
        Source(
            "order",
            Order.objects.all,
            day="created_at",
            user="owner",
            customer="customer",
            order="",
            **_lead("customer__"),
        ),
    ),
    "lost_orders": (
        Source(
            "order",
            lambda: Order.objects.filter(
                status=OrderStatus.CANCELLED, closed_at__isnull=False
            ),
            day="closed_at",
            user="owner",
            customer="customer",
            order="",
            **_lead("customer__"),
        ),
    ),
    "submissions": (_submissions("submitted_at", Submission.objects.all),),
    "approvals": (_submissions("decided_at", _decided(SubmissionStatus.APPROVED)),),
    "rejections": (_submissions("decided_at", _decided(SubmissionStatus.REJECTED)),),
    "disbursed": (
        Source(
            "disbursement",
            Disbursement.objects.all,
            day="disbursed_on",
            at=False,
            user="order__owner",
            amount="amount",
            funder="submission__funder_id",
            product="submission__product_id",
            customer="order__customer",
            order="order",
            **_lead("order__customer__"),
        ),
    ),
    "fees": (
        Source(
            "receipt",
            lambda: Receipt.objects.filter(
                kind__in=[ReceiptKind.RECEIPT, ReceiptKind.REFUND]
            ),
            day="occurred_on",
            at=False,
            user="order__owner",
            amount=_signed_fee(),
            customer="order__customer",
            order="order",
            **_lead("order__customer__"),
        ),
    ),
    "commission": (
        _order_money(StaffLine, "staff_line"),
        _order_money(PartnerLine, "partner_line"),
    ),
    "pool_returns": (
        Source(
            "pool_return",
            lambda: TimelineEvent.objects.filter(kind__in=RETURN_KINDS),
            day="created_at",
            user="actor",
            customer="customer",
        ),
    ),
}


def day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants that start ``date_from`` and end ``date_to`` in Beijing."""
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=ZONE)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=ZONE)
    return start, end


def in_days(source: Source, date_from: dt.date, date_to: dt.date) -> QuerySet:
    """The source's rows whose day is within ``date_from``..``date_to``."""
    if source.at:
        start, end = day_bounds(date_from, date_to)
        condition = Q(**{source.day + "__gte": start, source.day + "__lt": end})
    else:
        condition = Q(
            **{source.day + "__gte": date_from, source.day + "__lte": date_to}
        )
    return source.rows().filter(condition)


# --- channel spend -------------------------------------------------------------------


@dataclass(frozen=True)
class SpendDay:
    """One day's share of a spend entry; the rounding remainder is on its last day."""

    spend_id: int
    day: dt.date
    channel: str
    channel_id: int
    ad_account_id: int
    ad_account: str
    campaign: str
    amount: Decimal


def spend_entries(date_from: dt.date, date_to: dt.date) -> QuerySet:
    """Spend entries whose period overlaps the days."""
    return (
        AdSpend.objects.filter(period_start__lte=date_to, period_end__gte=date_from)
        .select_related("ad_account__channel")
        .order_by("period_start", "id")
    )


def spread(amount: Decimal, first: dt.date, last: dt.date) -> Iterator[tuple]:
    """(day, amount) for each day of ``first``..``last``: equal cents, the remainder
    on the last day, so the parts add up to ``amount`` exactly."""
    days = (last - first).days + 1
    if days < 1:
        return
    share = (amount / days).quantize(CENT, rounding=ROUND_DOWN)
    for i in range(days):
        day = first + dt.timedelta(days=i)
        yield day, (amount - share * (days - 1) if i == days - 1 else share)


def spend_days(
    date_from: dt.date, date_to: dt.date, entries: QuerySet | None = None
) -> list[SpendDay]:
    """Each day in ``date_from``..``date_to`` of each spend entry, newest day first."""
    out = []
    for spend in entries if entries is not None else spend_entries(date_from, date_to):
        account = spend.ad_account
        for day, amount in spread(spend.amount, spend.period_start, spend.period_end):
            if date_from <= day <= date_to:
                out.append(
                    SpendDay(
                        spend_id=spend.pk,
                        day=day,
                        channel=account.channel.name,
                        channel_id=account.channel_id,
                        ad_account_id=account.pk,
                        ad_account=account.name,
                        campaign=spend.campaign,
                        amount=amount,
                    )
                )
    out.sort(key=lambda s: (s.day, s.spend_id), reverse=True)
    return out
