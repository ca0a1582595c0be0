"""Finance (M9): the receivables list (应收列表).

``receivables``: the first page of ``/finance/`` (open fees, newest first, the status
tabs' counts and the aging chips' counts and sums) and the API's first page, as the
general manager (the whole firm), against the same SELECTs replayed as raw SQL. Target: < 100 ms server median at 200k orders.

The bench seeds orders but no loans, so the set-up gives each completed order a
receivable (its fee: rate × amount, half-up), in bulk, once: due from the order's
closing day, a third of them paid in full, a sixth in part.
"""

from __future__ import annotations

import statistics
from decimal import ROUND_HALF_UP, Decimal

from bench.registry import workload

TARGET_MS = 100
BATCH = 5_000
CENT = Decimal("0.01")


@workload("receivables", order=42)
def receivables_list(ctx):
    """Receivables list, first page with aging chips (HTML) and the API's first
    page, as the general manager."""
    made, total = _seed_receivables(ctx)
    ctx.log("receivables: %d made, %d in all" % (made, total))
    cases = (
        ("general manager", "/finance/", True, ctx.users["general_manager"]),
        (
            "general manager",
            "/api/v1/receivables/",
            False,
            ctx.users["general_manager"],
        ),
    )
    for role, path, session, user in cases:
        kind = "HTML" if session else "API"
        result = ctx.http(
            "receivables list, %s, first page (%s)" % (role, kind),
            "GET",
            path,
            user=user,
            session=session,
            group="receivables",
        )
        server = statistics.median(result.server_ms) if result.server_ms else None
        met = server is not None and server < TARGET_MS
        result.extra.update(
            receivables=total,
            target="< %d ms server median" % TARGET_MS,
            target_met=met,
            note="%d receivables; target %s" % (total, "met" if met else "MISSED"),
        )
        yield result


def _finance_on(tenant):
    """The firm's plan has finance, and its roles the finance codes."""
    from lenddesk.accounts.seed import seed_default_roles
    from lenddesk.platform.services import tenant_update_plan
    from lenddesk.tenancy.context import tenant_context

    if "finance" not in (tenant.modules or []):
        tenant = tenant_update_plan(
            operator=None,
            tenant=tenant,
            name=tenant.name,
            seats=tenant.seats,
            modules=[*tenant.modules, "finance"],
            expires_on=tenant.expires_on,
        )
    with tenant_context(tenant):
        seed_default_roles()
    return tenant


def _seed_receivables(ctx) -> tuple[int, int]:
    """A receivable for every completed order that has none (bulk, idempotent)."""
    from lenddesk.finance.models import Receivable
    from lenddesk.orders.models import Order, OrderStatus
    from lenddesk.tenancy.context import tenant_context

    tenant = _finance_on(ctx.tenant)
    made = 0
    while True:
        with tenant_context(tenant):
            orders = list(
                Order.objects.filter(
                    status=OrderStatus.COMPLETED, receivable__isnull=True
                )
                .order_by("pk")
                .values_list("pk", "amount", "fee_rate", "closed_at", "created_at")[
                    :BATCH
                ]
            )
            if not orders:
                if made:
                    _analyze()
                return made, Receivable.objects.count()
            _write(orders)
        made += len(orders)


def _analyze() -> None:
    """Fresh statistics after the bulk insert (as the seeder does after its own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE finance_receivable")


def _write(orders) -> None:
    from django.utils import timezone

    from lenddesk.finance.models import Receivable, ReceivableStatus
    from lenddesk.tenancy.bulk import bulk_insert

    rows = []
    for pk, amount, rate, closed_at, created_at in orders:
        fee = (amount * (rate or Decimal("2")) / 100).quantize(CENT, ROUND_HALF_UP)
        due_on = timezone.localdate(closed_at or created_at)
        received = (
            fee
            if pk % 3 == 0
            else (fee / 2).quantize(CENT)
            if pk % 6 == 1
            else Decimal("0.00")
        )
        rows.append(
            Receivable(
                order_id=pk,
                amount=fee,
                basis={"fee_kind": "rate", "disbursed": str(amount), "rate": str(rate)},
                status=ReceivableStatus.SETTLED
                if received == fee
                else ReceivableStatus.OPEN,
                due_on=due_on,
                period=due_on.replace(day=1),
                received=received,
                written_off=Decimal("0.00"),
                outstanding=fee - received,
                created_at=timezone.now(),
                updated_at=timezone.now(),
            )
        )
    bulk_insert(Receivable, rows)
