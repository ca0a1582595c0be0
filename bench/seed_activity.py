"""What the firm did over the last six months, so the dashboards read real volume.

After ``bench.seed`` (customers and orders) this adds, for the window from the first
day of the month six months ago to today:

- channels with ad accounts (through the acquisition services), a channel on every
  customer, an attribution (channel, ad account) for the customers created in the
  window, and each account's spend per month;
- follow-ups by the owners: 5 per customer in all (5,000,000 at ``1m``), each after the
  customer was created;
- calls by the owners (1 per customer: 1,000,000 at ``1m``), 45 % connected;
- visits (1 per 20 customers), most of them held;
- the funder's answer and the loan for every completed order (an approved submission
  and a disbursement on the day it closed; a fifth were first rejected, a third of the
  cancelled ones rejected), the fee receivable as the receivables workload makes it,
  and a receipt for what each receivable has received (``bench/seed_loans.py``);
- then ``analytics.refresh.refresh_facts`` over the window, month by month.

Batched INSERTs through ``tenancy.bulk.bulk_insert`` inside the firm's row-level
security (PostgreSQL refuses ``COPY FROM`` into a table with forced RLS), then
``VACUUM (ANALYZE)``. Every part adds only what is missing: run it again, or alone on
a firm seeded before it existed::

    python -m bench.seed_activity --scale 1m      # or --customers N
    python -m bench.seed_activity --facts-only    # only refresh the window's facts

``python -m bench seed`` calls it at its end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal

from django.db import connection
from django.db.models import F

from bench.seed_loans import seed_loans, seed_receipts

FOLLOWUPS_PER_CUSTOMER = 5
CALLS_PER_CUSTOMER = 1
VISITS_EVERY = 20  # customers per visit
WINDOW_MONTHS = 6
BATCH = 50_000
CUSTOMER_CHUNK = 20_000
# (name, kind, ad accounts, share of the customers in per cent, monthly spend per
# million customers in yuan)
CHANNELS = (
    ("抖音", "traffic", 2, 30, 900_000),
    ("百度", "traffic", 2, 25, 700_000),
    ("今日头条", "traffic", 1, 15, 400_000),
    ("快手", "traffic", 1, 10, 300_000),
    ("转介绍", "referral", 0, 10, 0),
    ("地推", "offline", 0, 10, 0),
)
FOLLOWUP_TEXTS = (
    "电话沟通，客户有意向，约下周再联系",
    "微信发送产品资料，客户在比较利率",
    "客户资料已收齐，等待评估",
    "客户暂无需求，下月回访",
    "上门面谈，确认贷款金额和期限",
    "客户询问放款时间",
)
FOLLOWUP_KINDS = ("call", "call", "call", "wechat", "wechat", "sms", "visit", "other")
CALL_RESULTS = (
    ("connected", 45),
    ("no_answer", 35),
    ("busy", 12),
    ("failed", 8),
)
VISIT_STATUSES = (("arrived", 70), ("no_show", 15), ("cancelled", 5), ("booked", 10))
ACTIVITY_TABLES = (
    "customers_customer",
    "customers_followup",
    "customers_visit",
    "telephony_callrecord",
    "acquisition_attribution",
    "acquisition_adspend",
    "orders_submission",
    "orders_disbursement",
    "finance_receivable",
    "finance_receipt",
)


def log(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def seed_activity(tenant, *, customers: int, refresh: bool = True) -> dict:
    """Add the window's activity to the bench firm (idempotent); the counts made."""
    from lenddesk.tenancy.context import tenant_context

    started = time.monotonic()
    tenant = _modules_on(tenant)
    start, today = window()
    log("seeding activity %s … %s for %d customers" % (start, today, customers))
    made: dict = {}
    with tenant_context(tenant):
        made["channels"] = _channels(tenant, start, today, customers)
    steps = (
        ("customer channels", _customer_channels),
        ("next follow-ups", _next_followups),
        ("attributions", _attributions),
        ("follow-ups", _followups),
        ("calls", _calls),
        ("visits", _visits),
        ("loans", lambda tenant, **_kw: seed_loans(tenant)),
        ("receipts", lambda tenant, **_kw: seed_receipts(tenant)),
    )
    for label, step in steps:
        began = time.monotonic()
        made[label] = step(tenant, start=start, customers=customers)
        log("  %s: %d made (%.0f s)" % (label, made[label], time.monotonic() - began))
    _vacuum()
    if refresh:
        made["facts"] = refresh_window(tenant, start, today)
    made["seconds"] = round(time.monotonic() - started, 1)
    log("activity done in %.0f s: %s" % (made["seconds"], made))
    return made


def window() -> tuple[dt.date, dt.date]:
    """The first day of the month six months ago, and today (Beijing dates)."""
    from django.utils import timezone

    today = timezone.localdate()
    month = today.month - WINDOW_MONTHS
    year = today.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1), today


def _months(start: dt.date, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    spans, first = [], start
    while first <= today:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        spans.append((first, min(today, following - dt.timedelta(days=1))))
        first = following
    return spans


def _modules_on(tenant):
    """The firm's plan has what the dashboards read, and its roles those codes."""
    from lenddesk.accounts.seed import seed_default_roles
    from lenddesk.platform.services import tenant_update_plan
    from lenddesk.tenancy.context import tenant_context
    from lenddesk.tenancy.models import Tenant

    tenant = Tenant.objects.get(pk=tenant.pk)  # the caller's copy may predate a plan
    wanted = ("orders", "finance", "telephony", "analytics", "performance")
    missing = [code for code in wanted if code not in (tenant.modules or [])]
    if missing:
        tenant = tenant_update_plan(
            operator=None,
            tenant=tenant,
            name=tenant.name,
            seats=tenant.seats,
            modules=[*tenant.modules, *missing],
            expires_on=tenant.expires_on,
        )
    with tenant_context(tenant):
        seed_default_roles()
    return tenant


def _channels(tenant, start, today, customers: int) -> int:
    """Channels and ad accounts through the acquisition services, and each account's
    spend per month (the current month so far), scaled to the firm's size."""
    from lenddesk.accounts.models import User
    from lenddesk.acquisition.channels import ad_account_save, spend_save
    from lenddesk.acquisition.models import AdAccount, AdSpend, Channel

    admin = User.objects.get(username="admin")
    rng = random.Random(7)
    made = 0
    for name, kind, accounts, _share, monthly in CHANNELS:
        channel = Channel.objects.filter(name=name).first()
        if channel is None:
            channel = Channel.objects.create(name=name, kind=kind)
        for n in range(accounts):
            account_name = "%s-账户%d" % (name, n + 1)
            account = AdAccount.objects.filter(
                channel=channel, name=account_name
            ).first() or ad_account_save(
                actor=admin, channel=channel, name=account_name
            )
            have = set(
                AdSpend.objects.filter(ad_account=account).values_list(
                    "period_start", flat=True
                )
            )
            for first, last in _months(start, today):
                if first in have:
                    continue
                share = monthly / accounts * customers / 1_000_000
                days = (last - first).days + 1
                amount = Decimal(share * days / 30 * rng.uniform(0.7, 1.3))
                spend_save(
                    actor=admin,
                    ad_account=account,
                    period_start=first,
                    period_end=last,
                    amount=max(Decimal("1.00"), amount.quantize(Decimal("1"))),
                )
                made += 1
    return made


def _customer_channels(tenant, *, start, customers: int) -> int:
    """A channel name on every customer that has none, by share (one UPDATE per
    range of ids, so no transaction runs long)."""
    from lenddesk.customers.models import Customer
    from lenddesk.tenancy.context import tenant_context

    cases, edge = [], 0
    for name, _kind, _accounts, share, _monthly in CHANNELS:
        edge += share
        cases.append("WHEN (id * 7919) %%%% 100 < %d THEN '%s'" % (edge, name))
    sql = (
        "UPDATE customers_customer SET channel = CASE %s END "
        "WHERE tenant_id = %%s AND channel = '' AND id >= %%s AND id < %%s"
        % " ".join(cases)
    )
    with tenant_context(tenant):
        bounds = Customer.objects.filter(channel="").order_by("pk")
        low = bounds.values_list("pk", flat=True).first()
        high = bounds.order_by("-pk").values_list("pk", flat=True).first()
    made = 0
    if low is None:
        return 0
    for first in range(low, high + 1, 100_000):
        with tenant_context(tenant), connection.cursor() as cursor:
            cursor.execute(sql, [tenant.pk, first, first + 100_000])
            made += cursor.rowcount
    return made


def _next_followups(tenant, *, start, customers: int) -> int:
    """A planned next follow-up on every owned customer that has none: 1 to 20 days
    after the last one (within the past ten days), so some are due today and about a
    fifth are late — what the to-do counts and the overdue lists read."""
    from django.db.models import Max, Min

    from lenddesk.customers.models import Customer
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(tenant):
        bounds = Customer.objects.filter(
            owner__isnull=False, next_followup_at__isnull=True
        ).aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0
    made = 0
    for first in range(bounds["low"], bounds["high"] + 1, 100_000):
        with tenant_context(tenant):
            chunk = Customer.objects.filter(
                owner__isnull=False,
                next_followup_at__isnull=True,
                last_followup_at__isnull=False,
                pk__gte=first,
                pk__lt=first + 100_000,
            )
            made += chunk.update(
                next_followup_at=F("last_followup_at")
                + dt.timedelta(days=1) * (F("pk") * 31 % 20 + 1)
            )
    return made


def _owned_chunks(tenant, *, after: int = 0, since=None, owned: bool = True):
    """(id, owner, created_at, channel) of the firm's customers in id order, a chunk
    at a time."""
    from lenddesk.customers.models import Customer
    from lenddesk.tenancy.context import tenant_context

    while True:
        with tenant_context(tenant):
            rows = Customer.objects.filter(pk__gt=after)
            if owned:
                rows = rows.filter(owner__isnull=False)
            if since is not None:
                rows = rows.filter(created_at__gte=since)
            chunk = list(
                rows.order_by("pk").values_list(
                    "pk", "owner_id", "created_at", "channel"
                )[:CUSTOMER_CHUNK]
            )
        if not chunk:
            return
        yield chunk
        after = chunk[-1][0]


def _write(tenant, model, rows: list) -> None:
    from django.db import transaction

    from lenddesk.tenancy.bulk import bulk_insert
    from lenddesk.tenancy.context import tenant_context

    for first in range(0, len(rows), BATCH):
        with tenant_context(tenant), transaction.atomic():
            bulk_insert(model, rows[first : first + BATCH])


def _moment(rng: random.Random, since, now):
    """A random moment between ``since`` and ``now``."""
    return since + (now - since) * rng.random()


def _window_start(start: dt.date):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(start, dt.time.min))


def _attributions(tenant, *, start, customers: int) -> int:
    """Channel and ad account for the customers created in the window (what intake
    would have written), for those that have none."""
    from lenddesk.acquisition.models import AdAccount, Attribution, Channel
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(tenant):
        channels = {c.name: c for c in Channel.objects.all()}
        accounts: dict[int, list[int]] = {}
        for account in AdAccount.objects.order_by("pk"):
            accounts.setdefault(account.channel_id, []).append(account.pk)
        done = Attribution.objects.order_by("-customer_id").first()
    made = 0
    after = done.customer_id if done else 0
    for chunk in _owned_chunks(
        tenant, after=after, since=_window_start(start), owned=False
    ):
        rows = []
        for pk, _owner, created, name in chunk:
            channel = channels.get(name)
            if channel is None:
                continue
            pool = accounts.get(channel.pk) or [None]
            rows.append(
                Attribution(
                    customer_id=pk,
                    channel_id=channel.pk,
                    ad_account_id=pool[pk % len(pool)],
                    source_kind=channel.kind,
                    created_at=created,
                )
            )
        _write(tenant, Attribution, rows)
        made += len(rows)
    return made


def _spread(tenant, model, *, wanted: int, make, start) -> int:
    """``wanted`` rows in all of ``model``, made by ``make(rng, customer, since, now,
    count)`` over the owned customers after the last one that has some: about the
    same number each, since the later of the window's start and its creation."""
    from django.utils import timezone

    from lenddesk.customers.models import Customer
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(tenant):
        have = model.objects.count()
        last = model.objects.order_by("-customer_id").values_list(
            "customer_id", flat=True
        )
        after = last.first() or 0
        owned = Customer.objects.filter(owner__isnull=False, pk__gt=after).count()
    if have >= wanted or not owned:
        return 0
    rng = random.Random(wanted + have)
    mean = (wanted - have) / owned * 1.05  # a little over: the last chunk caps it
    now, since = timezone.now(), _window_start(start)
    made = 0
    for chunk in _owned_chunks(tenant, after=after):
        rows = []
        for customer in chunk:
            draw = mean * 2 * rng.random()
            count = int(draw) + (rng.random() < draw % 1)
            count = min(count, wanted - have - made - len(rows))
            if count > 0:
                rows += make(rng, customer, max(since, customer[2]), now, count)
        _write(tenant, model, rows)
        made += len(rows)
        if have + made >= wanted:
            break
    return made


def _followups(tenant, *, start, customers: int) -> int:
    from lenddesk.customers.models import FollowUp

    def make(rng, customer, since, now, count):
        pk, owner = customer[0], customer[1]
        return [
            FollowUp(
                customer_id=pk,
                author_id=owner,
                kind=FOLLOWUP_KINDS[rng.randrange(len(FOLLOWUP_KINDS))],
                content=FOLLOWUP_TEXTS[rng.randrange(len(FOLLOWUP_TEXTS))],
                is_system=False,
                created_at=_moment(rng, since, now),
            )
            for _ in range(count)
        ]

    wanted = customers * FOLLOWUPS_PER_CUSTOMER
    return _spread(tenant, FollowUp, wanted=wanted, make=make, start=start)


def _weighted(rng: random.Random, choices) -> str:
    draw = rng.randrange(100)
    for value, weight in choices:
        if draw < weight:
            return value
        draw -= weight
    return choices[0][0]


def _calls(tenant, *, start, customers: int) -> int:
    from lenddesk.telephony.models import CallRecord

    def make(rng, customer, since, now, count):
        rows = []
        for _ in range(count):
            began = _moment(rng, since, now)
            result = _weighted(rng, CALL_RESULTS)
            talk = rng.randrange(20, 600) if result == "connected" else 0
            answered = began + dt.timedelta(seconds=8) if talk else None
            rows.append(
                CallRecord(
                    customer_id=customer[0],
                    staff_id=customer[1],
                    provider="simulated",
                    mode="callback",
                    state="ended" if result != "failed" else "failed",
                    result=result,
                    started_at=began,
                    answered_at=answered,
                    ended_at=began + dt.timedelta(seconds=8 + talk),
                    duration_seconds=talk,
                )
            )
        return rows

    wanted = customers * CALLS_PER_CUSTOMER
    return _spread(tenant, CallRecord, wanted=wanted, make=make, start=start)


def _visits(tenant, *, start, customers: int) -> int:
    from lenddesk.customers.models import Visit

    def make(rng, customer, since, now, count):
        return [
            Visit(
                customer_id=customer[0],
                booked_by_id=customer[1],
                scheduled_at=_moment(rng, since, now),
                place="公司总部",
                status=_weighted(rng, VISIT_STATUSES),
                created_at=since,
            )
            for _ in range(count)
        ]

    wanted = customers // VISITS_EVERY
    return _spread(tenant, Visit, wanted=wanted, make=make, start=start)


def _vacuum() -> None:
    """Fresh statistics and visibility maps after the bulk writes (PostgreSQL; not
    inside a transaction, where VACUUM is refused: a test's seeding only ANALYZEs)."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE %s" if connection.in_atomic_block else "VACUUM (ANALYZE) %s"
    with connection.cursor() as cursor:
        for table in ACTIVITY_TABLES:
            cursor.execute(command % table)


def refresh_window(tenant, start: dt.date, today: dt.date) -> int:
    """The analytics facts of the window, a month per transaction; the rows written
    (-1 while ``analytics.refresh`` does not exist yet)."""
    from lenddesk.tenancy.context import tenant_context

    try:
        from lenddesk.analytics.refresh import refresh_facts
    except ImportError:
        log("  facts: analytics.refresh is not there yet, not refreshed")
        return -1
    rows = 0
    for first, last in _months(start, today):
        began = time.monotonic()
        with tenant_context(tenant):
            written = refresh_facts(first, last)
        rows += written
        log(
            "  facts %s … %s: %d rows (%.0f s)"
            % (first, last, written, time.monotonic() - began)
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE analytics_dailyfact")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_activity")
    parser.add_argument("--scale", default="", help="1k, 10k, 100k or 1m")
    parser.add_argument("--customers", type=int, default=0)
    parser.add_argument(
        "--facts-only", action="store_true", help="only refresh the facts"
    )
    parser.add_argument(
        "--no-facts", action="store_true", help="seed, but leave the facts as they are"
    )
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from bench.context import Scale
    from lenddesk.customers.models import Customer
    from lenddesk.tenancy.context import tenant_context
    from lenddesk.tenancy.models import Tenant

    tenant = Tenant.objects.filter(slug="bench").first()
    if tenant is None:
        raise SystemExit("no benchmark firm: run `python -m bench seed` first")
    if args.facts_only:
        refresh_window(tenant, *window())
        return 0
    with tenant_context(tenant):
        have = Customer.objects.count()
    customers = args.customers or (
        Scale.named(args.scale).customers if args.scale else have
    )
    seed_activity(tenant, customers=min(customers, have), refresh=not args.no_facts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
