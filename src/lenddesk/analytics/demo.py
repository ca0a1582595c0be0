"""Demo history for the dashboards: three months of the demo firm's activity.

The earlier demo parts make their rows today (follow-ups, orders, submissions) or
over a few weeks (customers, calls, spend). This part, played last, spreads them
over the last three months in a repeatable way (``random.Random(SEED)``): customers
arrive over 90 days, more of them lately; an order is signed after its customer
arrived and before its loan was paid out; follow-ups fall between the customer's
arrival and now, the latest no further back than the pool's return rule allows (so
no customer falls due for the nightly return); calls spread back; some visits are held and some customers released to the
pool on past days. Days of paid channels that have no spend get one entry a month
through the acquisition service. Then the facts of the whole range are rebuilt.
Dates other parts chose on purpose (disbursements, receipts, instalments) stay.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from lenddesk.acquisition.channels import spend_save
from lenddesk.acquisition.models import AdAccount, AdSpend, Attribution
from lenddesk.analytics.models import FactRefresh
from lenddesk.analytics.refresh import refresh_facts
from lenddesk.analytics.refresh.sources import ZONE
from lenddesk.customers.models import Customer, FollowUp, TimelineEvent, Visit
from lenddesk.customers.services import (
    customer_release,
    pool_rules,
    visit_book,
    visit_set_status,
)
from lenddesk.orders.models import Disbursement, Order, OrderStatus, Submission
from lenddesk.telephony.models import CallRecord
from lenddesk.tenancy.bulk import bulk_update

SEED = 20261219
DAYS = 90
DAY = dt.timedelta(days=1)
VISIT_SHARE = 0.08  # of owned customers with follow-ups: a visit held or missed
RELEASE_SHARE = 0.03  # of owned customers without orders: released to the pool
SPEND_NOTE = "演示：按月投放"


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A working-hours moment of ``day`` in Beijing."""
    return dt.datetime.combine(
        day, dt.time(rng.randint(9, 19), rng.randint(0, 59)), tzinfo=ZONE
    )


def _between(a: dt.datetime, b: dt.datetime, rng: random.Random, lo=0.0, hi=1.0):
    if b <= a:
        return a
    return a + (b - a) * rng.uniform(lo, hi)


def _latest_start(now: dt.datetime) -> dict[int, dt.datetime]:
    """Per customer, the latest moment it may have arrived: before its first order's
    loan was paid out (with a few weeks for the work), else now."""
    bound = {}
    for customer_id, paid in Disbursement.objects.values_list(
        "order__customer_id", "disbursed_on"
    ):
        moment = dt.datetime.combine(paid, dt.time(9), tzinfo=ZONE) - 21 * DAY
        bound[customer_id] = min(bound.get(customer_id, now), moment)
    return bound


def _customers(rng: random.Random, now: dt.datetime) -> dict[int, dt.datetime]:
    """Spread arrivals over ``DAYS`` (made-today ones at random, more recently; the
    customer demo's 60 days stretched to 90); answer each customer's arrival."""
    bound = _latest_start(now)
    earliest = now - DAYS * DAY
    rows = list(Customer.objects.order_by("pk").only("pk", "created_at"))
    for c in rows:
        age = now - c.created_at
        if age < dt.timedelta(hours=1):
            age = DAYS * DAY * (1 - rng.random() ** 0.5)
        else:
            age = min(age * 1.5, DAYS * DAY)
        c.created_at = max(earliest, min(now - age, bound.get(c.pk, now)))
    bulk_update(Customer, rows, ["created_at"])
    arrived = Customer.objects.filter(pk=OuterRef("customer_id")).values("created_at")
    Attribution.objects.update(created_at=Subquery(arrived[:1]))
    return {c.pk: c.created_at for c in rows}


def _orders(rng, now, arrived: dict[int, dt.datetime]) -> int:
    """Orders signed between arrival and the loan (or now); submissions and the
    funder's answer in between; cancelled orders closed some days after signing."""
    paid = {
        o: dt.datetime.combine(d, dt.time(10), tzinfo=ZONE)
        for o, d in Disbursement.objects.values_list("order_id", "disbursed_on")
    }
    orders = list(
        Order.objects.order_by("pk").only(
            "pk", "customer", "status", "created_at", "closed_at"
        )
    )
    signed = {}
    for order in orders:
        start = arrived.get(order.customer_id, now - DAYS * DAY)
        until = min(now, paid.get(order.pk, now) - 5 * DAY)
        order.created_at = _between(start, until, rng, 0.2, 0.6)
        signed[order.pk] = (order.created_at, until)
        if order.status == OrderStatus.CANCELLED:
            order.closed_at = min(now, order.created_at + rng.randint(2, 20) * DAY)
    bulk_update(Order, orders, ["created_at", "closed_at"])
    subs = list(
        Submission.objects.order_by("pk").only(
            "pk", "order", "submitted_at", "decided_at"
        )
    )
    for sub in subs:
        start, until = signed[sub.order_id]
        sub.submitted_at = _between(start, until, rng, 0.1, 0.5)
        if sub.decided_at is not None:
            sub.decided_at = _between(sub.submitted_at, until, rng, 0.3, 0.9)
    bulk_update(Submission, subs, ["submitted_at", "decided_at"])
    return len(orders)


def _quiet_days(rules) -> dict[tuple[int, str], int]:
    """Per customer (id, rating): how long its latest follow-up may lie back without
    the nightly return (or its warning) coming due: the rating's days less the
    warning days; customers in the pool or with business are not returned."""
    out = {}
    for pk, owner, rating, busy in Customer.objects.values_list(
        "pk", "owner_id", "rating", "has_open_business"
    ):
        days = rules.return_days(rating) - rules.warn_days_before_return - 1
        out[pk] = DAYS if owner is None or busy else max(0, min(days, DAYS))
    return out


def _followups(rng, now, arrived: dict[int, dt.datetime]) -> int:
    """Each customer's follow-ups spread from its arrival; the latest no further
    back than its return rule allows (and the customer's last follow-up with it)."""
    quiet = _quiet_days(pool_rules())
    by_customer: dict[int, list[FollowUp]] = {}
    for f in FollowUp.objects.order_by("customer_id", "created_at", "pk").only(
        "pk", "customer", "created_at"
    ):
        by_customer.setdefault(f.customer_id, []).append(f)
    moved, touched = [], []
    for customer_id, rows in by_customer.items():
        start = min(arrived.get(customer_id, now), now)
        back = dt.timedelta(days=rng.uniform(0, quiet.get(customer_id, 0)))
        latest = max(start, now - back)
        times = sorted(_between(start, latest, rng) for _r in rows[:-1])
        for row, when in zip(rows, [*times, latest], strict=True):
            row.created_at = when
            moved.append(row)
        touched.append(Customer(pk=customer_id, last_followup_at=latest))
    bulk_update(FollowUp, moved, ["created_at"])
    owned = set(
        Customer.objects.filter(last_followup_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    bulk_update(Customer, [c for c in touched if c.pk in owned], ["last_followup_at"])
    return len(moved)


def _calls(rng, now, arrived: dict[int, dt.datetime]) -> int:
    """The telephony demo's week of calls stretched over the three months."""
    calls = list(
        CallRecord.objects.order_by("pk").only(
            "pk", "customer", "started_at", "answered_at", "ended_at"
        )
    )
    for call in calls:
        age = min((now - call.started_at) * 12 + rng.randint(0, 3) * DAY, DAYS * DAY)
        when = max(now - age, arrived.get(call.customer_id, now - age))
        shift = when - call.started_at
        call.started_at = when
        call.answered_at = call.answered_at and call.answered_at + shift
        call.ended_at = call.ended_at and call.ended_at + shift
    bulk_update(CallRecord, calls, ["started_at", "answered_at", "ended_at"])
    return len(calls)


def _past(customer_id: int, arrived, now, rng) -> dt.datetime:
    start = arrived.get(customer_id, now - DAYS * DAY)
    return _between(start, now - dt.timedelta(hours=2), rng, 0.3, 1.0)


def _visits(rng, now, arrived) -> int:
    """Visits held (or missed) on past days, booked through the real services."""
    owned = (
        Customer.objects.filter(owner__isnull=False, followups__isnull=False)
        .select_related("owner")
        .distinct()
        .order_by("pk")
    )
    made = 0
    for customer in owned:
        if rng.random() >= VISIT_SHARE:
            continue
        visit = visit_book(
            actor=customer.owner,
            customer=customer,
            scheduled_at=now + dt.timedelta(hours=1),
            place="公司会议室",
        )
        status = "arrived" if rng.random() < 0.75 else "no_show"
        visit_set_status(actor=customer.owner, visit=visit, status=status)
        when = _past(customer.pk, arrived, now, rng)
        Visit.objects.filter(pk=visit.pk).update(scheduled_at=when, created_at=when)
        made += 1
    return made


def _releases(rng, now, arrived) -> int:
    """A few owned customers without business given back to the pool, on past days."""
    owned = (
        Customer.objects.filter(owner__isnull=False, has_open_business=False)
        .filter(orders__isnull=True)
        .select_related("owner")
        .order_by("pk")
    )
    made = 0
    for customer in owned:
        if rng.random() >= RELEASE_SHARE:
            continue
        customer_release(actor=customer.owner, customer=customer, reason="暂无需求")
        when = _past(customer.pk, arrived, now, rng)
        TimelineEvent.objects.filter(customer=customer, kind="released").update(
            created_at=when
        )
        made += 1
    return made


def _uncovered_runs(account: AdAccount, first: dt.date, last: dt.date):
    """Runs of days in ``first``..``last`` without spend on the account, cut at
    month ends: (start, end) pairs."""
    covered = set()
    for start, end in AdSpend.objects.filter(
        ad_account=account, period_start__lte=last, period_end__gte=first
    ).values_list("period_start", "period_end"):
        day = max(start, first)
        while day <= min(end, last):
            covered.add(day)
            day += DAY
    runs, run = [], None
    day = first
    while day <= last:
        if day in covered or (run and day.day == 1):
            if run:
                runs.append(run)
            run = None
        if day not in covered:
            run = (run[0], day) if run else (day, day)
        day += DAY
    return runs + ([run] if run else [])


def _daily_rate(account: AdAccount) -> Decimal:
    spent = Decimal(0)
    days = 0
    for spend in AdSpend.objects.filter(ad_account=account):
        spent += spend.amount
        days += (spend.period_end - spend.period_start).days + 1
    return (spent / days) if days else Decimal("800")


def _spend(rng, first: dt.date, today: dt.date) -> int:
    """One entry per month and paid account for the days nobody entered spend."""
    made = 0
    for account in AdAccount.objects.order_by("pk"):
        rate = _daily_rate(account)
        for start, end in _uncovered_runs(account, first, today):
            days = (end - start).days + 1
            amount = (rate * days * Decimal(rng.uniform(0.85, 1.15))).quantize(
                Decimal("1")
            )
            spend_save(
                actor=None,
                ad_account=account,
                period_start=start,
                period_end=end,
                amount=amount,
                note=SPEND_NOTE,
            )
            made += 1
    return made


def build(tenant, log) -> None:
    today = timezone.localdate()
    first = today - (DAYS - 1) * DAY
    if FactRefresh.objects.filter(date_from__lte=first).exists():
        log("analytics history: facts from %s (kept)" % first)
        return
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo data, not secrets
    now = timezone.now()
    arrived = _customers(rng, now)
    orders = _orders(rng, now, arrived)
    followups = _followups(rng, now, arrived)
    calls = _calls(rng, now, arrived)
    visits = _visits(rng, now, arrived)
    released = _releases(rng, now, arrived)
    spends = _spend(rng, first, today)
    start = Customer.objects.aggregate(first=Min("created_at"))["first"]
    start = min(first, timezone.localdate(start)) if start else first
    rows = refresh_facts(start, today)
    log(
        "analytics history: %d customers over %d days, %d orders, %d follow-ups "
        "and %d calls moved back, %d visits, %d released, %d spend entries; "
        "%d fact rows"
        % (
            len(arrived),
            DAYS,
            orders,
            followups,
            calls,
            visits,
            released,
            spends,
            rows,
        )
    )
