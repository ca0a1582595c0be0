"""Product matching (M6): one customer against 500 products, and one product
reverse-matched over the whole bench firm.

The catalogue is made once, idempotently, through the product's services: 500 active
products of a "bench funder" with four to six rules each (age, city, income, house,
overdue records, demand), mixed so that some fit the bench customers and most do not.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from bench.registry import workload
from bench.seed import SLUG

PRODUCTS = 500
FUNDER = "Bench funder"
REVERSE_PRODUCT = "Bench reverse product"
CITIES = (
    "成都",
    "重庆",
    "西安",
    "武汉",
    "长沙",
    "郑州",
    "杭州",
    "苏州",
    "深圳",
    "广州",
)
TYPES = ("credit", "mortgage", "car", "policy", "business", "provident_fund")


def _rules(rng: random.Random) -> list[dict]:
    rules = [
        {
            "field": "city",
            "op": "in",
            "value": rng.sample(CITIES, rng.randrange(2, 6)),
        },
        {
            "field": "monthly_income",
            "op": "gte",
            "value": rng.choice(["5000", "8000", "10000", "15000", "20000"]),
        },
        {"field": "overdue_count", "op": "lte", "value": rng.choice([0, 1, 2])},
    ]
    if rng.random() < 0.3:
        # the bench customers carry no ID number, so an age rule fails for them
        rules.append({"field": "age", "op": "lte", "value": rng.choice([55, 60, 65])})
    if rng.random() < 0.2:
        rules.append({"field": "has_house", "op": "is_true"})
    if rng.random() < 0.3:
        rules.append({"field": "demand_amount", "op": "lte", "value": "500000"})
    return rules


def ensure_catalogue(tenant, admin) -> int:
    """500 active products (made once); returns how many were created now."""
    from lenddesk.products import services
    from lenddesk.products.models import Funder, Product
    from lenddesk.tenancy.context import tenant_context

    rng = random.Random(500)
    created = 0
    with tenant_context(tenant):
        funder = Funder.objects.filter(name=FUNDER).first() or services.funder_save(
            actor=admin, data={"name": FUNDER}
        )
        have = set(Product.objects.filter(funder=funder).values_list("name", flat=True))
    for n in range(PRODUCTS):
        name = "bench-v2-%03d" % n
        rules = _rules(rng)
        kind = TYPES[n % len(TYPES)]
        low = Decimal(rng.choice([10_000, 50_000, 100_000]))
        if name in have:
            continue
        with tenant_context(tenant):
            product = services.product_save(
                actor=admin,
                data={
                    "funder": funder,
                    "name": name,
                    "type": kind,
                    "amount_min": low,
                    "amount_max": low * rng.choice([5, 10, 30]),
                    "term_min": 6,
                    "term_max": rng.choice([36, 60, 120]),
                    "rate_min": Decimal(rng.choice(["3.6", "5.5", "8.8", "12"])),
                    "rate_max": Decimal("23.9"),
                    "repayment_methods": ["equal_instalment"],
                    "processing_days": rng.choice([1, 3, 7, 15]),
                    "service_fee_percent": Decimal(rng.choice(["0", "1", "2"])),
                },
            )
            services.rules_save(actor=admin, product=product, rows=rules)
        created += 1
    with tenant_context(tenant):
        for old in (
            Product.objects.filter(funder=funder, is_active=True)
            .exclude(name__startswith="bench-v2-")
            .exclude(name=REVERSE_PRODUCT)
        ):
            services.product_save(actor=admin, data={"is_active": False}, product=old)
    return created


@workload("match", order=35)
def match_one_customer(ctx):
    """One salesperson's customer against 500 active products: every product eligible
    or not with its explanation, ranked, stored as a match run (service in process and
    the API over HTTP)."""
    from lenddesk.products import services
    from lenddesk.tenancy.context import tenant_context

    started = time.perf_counter()
    created = ensure_catalogue(ctx.tenant, ctx.users["admin"])
    ctx.log(
        "match: %d products created in %.1f s"
        % (created, time.perf_counter() - started)
    )
    customer = ctx.sample["customer"]
    seller = ctx.users["salesperson"]
    outcomes = []

    def run():
        with tenant_context(ctx.tenant):
            outcomes.append(services.match_customer(actor=seller, customer=customer))

    result = ctx.in_process(
        "match: 1 customer × %d products (service)" % PRODUCTS, run, group="match"
    )
    last = outcomes[-1]
    result.extra.update(
        products=len(last.matches),
        eligible=len(last.eligible),
        target_ms=30,
        note="%d of %d eligible" % (len(last.eligible), len(last.matches)),
    )
    yield result
    yield ctx.http(
        "match: 1 customer × %d products, API (zh+en texts)" % PRODUCTS,
        "GET",
        "/api/v1/customers/%d/matches/" % customer.pk,
        user=seller,
        sql=False,
    )


def reverse_job(*, slug: str, username: str, product_id: int) -> dict:
    """Start a reverse match as ``username`` and run its background task here."""
    from lenddesk.accounts.models import User
    from lenddesk.customers.models import Customer
    from lenddesk.products import services
    from lenddesk.products.models import Product, ReverseMatchJob
    from lenddesk.tenancy.context import tenant_context
    from lenddesk.tenancy.models import Tenant

    tenant = Tenant.objects.get(slug=slug)
    started = time.perf_counter()
    with tenant_context(tenant):
        actor = User.objects.get(username=username)
        product = Product.objects.get(pk=product_id)
        # the task runs eagerly on commit (BENCH_EAGER), batch by batch
        job = services.reverse_match_start(actor=actor, product=product)
    with tenant_context(tenant):
        job = ReverseMatchJob.objects.get(pk=job.pk)
        total = Customer.objects.count()
    return {
        "seconds": time.perf_counter() - started,
        "customers": total,
        "candidates": job.candidates,
        "processed": job.processed,
        "matched": job.matched,
        "status": job.status,
        "prefilter_share": round(job.candidates / total, 4) if total else None,
    }


@workload("match", order=36, smoke=True)
def reverse_match(ctx):
    """One product reverse-matched over the whole firm by the general manager: SQL
    pre-filter (city, income, demand), then every rule in Python; background task."""
    from lenddesk.products import services
    from lenddesk.products.models import Funder, Product
    from lenddesk.tenancy.context import tenant_context

    admin = ctx.users["admin"]
    with tenant_context(ctx.tenant):
        product = Product.objects.filter(name=REVERSE_PRODUCT).first()
        if product is None:
            funder = Funder.objects.filter(name=FUNDER).first() or services.funder_save(
                actor=admin, data={"name": FUNDER}
            )
            product = services.product_save(
                actor=admin,
                data={
                    "funder": funder,
                    "name": REVERSE_PRODUCT,
                    "type": "credit",
                    "amount_min": Decimal(10_000),
                    "amount_max": Decimal(500_000),
                    "term_min": 6,
                    "term_max": 60,
                    "rate_min": Decimal("6"),
                    "rate_max": Decimal("18"),
                    "repayment_methods": ["equal_instalment"],
                },
            )
            services.rules_save(
                actor=admin,
                product=product,
                rows=[
                    {"field": "city", "op": "in", "value": "成都, 重庆"},
                    {"field": "monthly_income", "op": "gte", "value": "8000"},
                    {"field": "demand_amount", "op": "lte", "value": "500000"},
                    {"field": "overdue_count", "op": "lte", "value": 1},
                ],
            )
    manager = ctx.users["general_manager"]
    result = ctx.job(
        "match: reverse, 1 product over %d customers" % ctx.sample["customers"],
        "bench.workloads_match.reverse_job",
        group="match",
        slug=SLUG,
        username=manager.username,
        product_id=product.pk,
    )
    result.extra.update(target_s=20)
    yield result
