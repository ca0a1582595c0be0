"""Commissions (M9): the month-end statement build.

``commission``: a month of 20,000 receipts (``--scale 1k``: 1,000) on the bench
firm's funded orders, referred by 500 partners (1k: 60) in a three-level tree, split
between the orders' owners, telemarketers and processors. The month-end build
(``commissions.services.statements_build``) then writes every staff and partner line,
prices the staff lines on marginal tiers, and totals every statement with its income
tax withheld — set-based, in a fresh process: wall time and peak RSS (VmHWM, the
framework's measure). Target: < 30 s and < 500 MB.

The set-up (orders funded, partners, receipts in a month of their own, 2020-03) is a
separate job and not measured; it removes the month's commission rows first, so every
run builds the month from nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from bench.registry import workload

MONTH = dt.date(2020, 3, 1)
NOTE = "bench-commission"
TARGET_SECONDS = 30
TARGET_MB = 500
SIZES = {"1k": (1_000, 60)}  # receipts, partners; other scales: 20,000 and 500
FULL = (20_000, 500)


@workload("commission", order=70)
def commission_month_end(ctx):
    """Month-end statements for 20,000 receipts across 500 partners (1k: 1,000/60)."""
    receipts, partners = SIZES.get(ctx.scale.name, FULL)
    slug = ctx.tenant.slug
    ctx.log("commission: setting up %d receipts, %d partners" % (receipts, partners))
    setup = ctx.job(
        "commission set-up",
        "bench.workloads_commissions.seed_month",
        group="commission",
        slug=slug,
        receipts=receipts,
        partners=partners,
    )
    ctx.log("commission: set up in %.1f s" % setup.seconds)
    result = ctx.job(
        "commission month-end, %d receipts" % receipts,
        "bench.workloads_commissions.month_end",
        group="commission",
        slug=slug,
    )
    met = (
        result.seconds < TARGET_SECONDS
        and (result.peak_rss_mb or 0) < TARGET_MB
        and result.extra.get("totals_match")
    )
    result.extra.update(
        target="< %d s, < %d MB, totals = Σ lines" % (TARGET_SECONDS, TARGET_MB),
        target_met=bool(met),
        note="target %s" % ("met" if met else "MISSED"),
    )
    yield result


# --- jobs (run in their own process by ``ctx.job``) ----------------------------------


def _tenant(slug: str):
    from lenddesk.tenancy.models import Tenant

    return Tenant.objects.get(slug=slug)


def _plans(actor) -> None:
    from lenddesk.commissions import services
    from lenddesk.commissions.models import PartnerPlan, StaffPlan
    from lenddesk.partners.services import partner_settings_update

    partner_settings_update(actor=actor, max_depth=3, auto_approve=False)
    if not StaffPlan.objects.filter(is_active=True).exists():
        tiers = [
            {"up_to": "20000", "rate": "15"},
            {"up_to": "50000", "rate": "20"},
            {"up_to": None, "rate": "25"},
        ]
        services.staff_plan_save(
            actor=actor,
            name="bench",
            tier_mode="marginal",
            shares={"owner": "60", "telemarketer": "20", "processor": "20"},
            tiers={r: tiers for r in ("owner", "telemarketer", "processor")},
        )
    if not PartnerPlan.objects.filter(is_default=True).exists():
        entity = services.paying_entity_save(
            actor=actor, name="bench entity", method="per_payment"
        )
        services.partner_plan_save(
            actor=actor,
            name="bench",
            paying_entity=entity,
            rates={1: "30", 2: "8", 3: "3"},
            is_default=True,
        )


def _partners(wanted: int) -> list[int]:
    """A three-level tree of ``wanted`` active partners (a third per level)."""
    from lenddesk.partners.models import Partner, PartnerStatus

    found = list(
        Partner.objects.filter(name__startswith="bench-p").values_list("id", flat=True)
    )
    if len(found) >= wanted:
        return found[:wanted]
    third = max(1, wanted // 3)
    made: list[int] = []
    upline: list[int | None] = [None]
    for level in (1, 2, 3):
        count = third if level < 3 else wanted - 2 * third
        rows = Partner.objects.bulk_create(
            [
                Partner(
                    name="bench-p%d-%d" % (level, n),
                    level=level,
                    upline_id=upline[n % len(upline)],
                    status=PartnerStatus.ACTIVE,
                )
                for n in range(count)
            ]
        )
        upline = [p.pk for p in rows]
        made.extend(upline)
    return made


def _fund(orders: list, day: dt.date) -> None:
    """A disbursement and a receivable for every order that lacks them."""
    from lenddesk.finance.models import Receivable
    from lenddesk.orders.models import Disbursement

    funded = set(Disbursement.objects.values_list("order_id", flat=True))
    Disbursement.objects.bulk_create(
        [
            Disbursement(
                order_id=pk,
                amount=amount,
                disbursed_on=day,
                first_due_on=day + dt.timedelta(days=30),
                annual_rate=Decimal("4.2"),
                term_months=36,
                method="equal_instalment",
            )
            for pk, amount in orders
            if pk not in funded
        ],
        batch_size=2000,
    )
    owed = set(Receivable.objects.values_list("order_id", flat=True))
    Receivable.objects.bulk_create(
        [
            Receivable(
                order_id=pk,
                amount=amount * Decimal("0.02"),
                outstanding=amount * Decimal("0.02"),
                due_on=day,
                period=day.replace(day=1),
            )
            for pk, amount in orders
            if pk not in owed
        ],
        batch_size=2000,
    )


def _receipts(orders: list, receipts: int) -> None:
    from lenddesk.finance.models import Receipt, Receivable

    ids = [o for o, _a in orders]
    receivable_of = {}
    for start in range(0, len(ids), 10_000):  # PostgreSQL takes ≤ 65,535 parameters
        chunk = Receivable.objects.filter(order_id__in=ids[start : start + 10_000])
        receivable_of.update(chunk.values_list("order_id", "id"))
    rows = []
    for n in range(receipts):
        order_id, _amount = orders[n % len(orders)]
        rows.append(
            Receipt(
                receivable_id=receivable_of[order_id],
                order_id=order_id,
                kind="receipt",
                amount=(Decimal(500 + (n * 37) % 4500)).quantize(Decimal("0.01")),
                occurred_on=MONTH + dt.timedelta(days=n % 28),
                period=MONTH,
                note=NOTE,
            )
        )
    Receipt.objects.bulk_create(rows, batch_size=2000)


def _clear_month() -> None:
    from lenddesk.commissions.models import (
        PartnerLine,
        PartnerStatement,
        StaffLine,
        StaffStatement,
    )

    for model in (StaffLine, PartnerLine):
        rows = model.objects.filter(statement__month=MONTH)
        rows.filter(clawback_of__isnull=False).delete()
        rows.delete()
    StaffStatement.objects.filter(month=MONTH).delete()
    PartnerStatement.objects.filter(month=MONTH).delete()


def seed_month(*, slug: str, receipts: int, partners: int) -> dict:
    """Plans, partners, funded orders referred by them and the month's receipts
    (made once; later runs reuse them), and no commission row in the month."""
    from lenddesk.accounts.models import User
    from lenddesk.finance.models import Receipt
    from lenddesk.orders.models import Order
    from lenddesk.tenancy.context import tenant_context

    started = time.perf_counter()
    with tenant_context(_tenant(slug)):
        actor = User.objects.get(username="admin")
        _plans(actor)
        tree = _partners(partners)
        orders = list(Order.objects.order_by("id").values_list("id", "amount"))
        if not orders:
            raise RuntimeError(
                "the bench firm has no orders: run `python -m bench seed`"
            )
        for n, (order_id, _amount) in enumerate(orders):
            if n % 3 == 0:  # a third of the orders were referred by a partner
                Order.objects.filter(pk=order_id).update(partner_id=tree[n % len(tree)])
        _fund(orders, MONTH - dt.timedelta(days=20))
        _clear_month()
        have = Receipt.objects.filter(period=MONTH, note=NOTE).count()
        if have < receipts:
            _receipts(orders, receipts - have)
    return {"orders": len(orders), "seconds": time.perf_counter() - started}


def month_end(*, slug: str) -> dict:
    """The measured part: the month-end build of the bench month."""
    from django.db.models import Sum

    from lenddesk.accounts.models import User
    from lenddesk.commissions.models import (
        PartnerLine,
        PartnerStatement,
        StaffLine,
        StaffStatement,
    )
    from lenddesk.commissions.services import statements_build
    from lenddesk.tenancy.context import tenant_context

    tenant = _tenant(slug)
    with tenant_context(tenant):
        actor = User.objects.get(username="admin")
    started = time.perf_counter()
    with tenant_context(tenant):
        result = statements_build(actor=actor, month=MONTH)
    seconds = time.perf_counter() - started
    with tenant_context(tenant):
        lines = StaffLine.objects.filter(statement__month=MONTH).aggregate(
            s=Sum("amount")
        )["s"]
        totals = StaffStatement.objects.filter(month=MONTH).aggregate(
            s=Sum("amount_total")
        )["s"]
        gross = PartnerLine.objects.filter(statement__month=MONTH).aggregate(
            s=Sum("amount")
        )["s"]
        stated = PartnerStatement.objects.filter(month=MONTH).aggregate(s=Sum("gross"))[
            "s"
        ]
        counts = {
            "staff_lines": StaffLine.objects.filter(statement__month=MONTH).count(),
            "partner_lines": PartnerLine.objects.filter(statement__month=MONTH).count(),
        }
    return {
        **result,
        **counts,
        "seconds": seconds,
        "totals_match": lines == totals and gross == stated,
    }
