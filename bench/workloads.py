"""Workloads measured as server time of the product's own selectors and services
(tenant context, data scope, decryption for masking), after warm-up; median and p95."""

import json
import platform
import statistics
import time

from django.db import connection

from bench.seed import SLUG, log
from lenddesk.accounts.models import User
from lenddesk.customers import services
from lenddesk.customers.models import Customer
from lenddesk.customers.selectors import CustomerFilters, customer_list
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant


def _measure(fn, repeat: int) -> dict:
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
        "runs": repeat,
    }


def _page(actor, **filters):
    def run():
        rows, _next = customer_list(actor=actor, filters=CustomerFilters(**filters))
        for row in rows:  # masking decrypts: part of what a page costs
            row.masked("phone")

    return run


def run(*, only: list[str], repeat: int, import_rows: int = 2000) -> None:
    tenant = Tenant.objects.get(slug=SLUG)
    results = []
    with tenant_context(tenant):
        total = Customer.objects.count()
        seller = User.objects.filter(username__startswith="s").order_by("pk").first()
        manager = User.objects.get(username="gm")
        sample = Customer.objects.filter(owner=seller).order_by("-pk").first()
        phone = sample.get_secret("phone")
        workloads = {
            "list": [
                ("list, salesperson, first page", _page(seller)),
                ("list, general manager, first page", _page(manager)),
            ],
            "search": [
                ("search full phone (GM)", _page(manager, q=phone)),
                ("search last four digits (salesperson)", _page(seller, q=phone[-4:])),
                ("search pinyin initials 'zw' (salesperson)", _page(seller, q="zw")),
                ("search name contains '建' (salesperson)", _page(seller, q="建")),
                (
                    "search pinyin initials 'zw' (general manager)",
                    _page(manager, q="zw"),
                ),
                ("search name contains '建' (general manager)", _page(manager, q="建")),
            ],
        }
        for group, items in workloads.items():
            if only and group not in only:
                continue
            for label, fn in items:
                result = {"workload": label, "customers": total, **_measure(fn, repeat)}
                results.append(result)
                log(json.dumps(result, ensure_ascii=False))
    if not only or "claim" in only:
        results.append(_claims(tenant, repeat, total))
    if "claim32" in only:
        results.append(_concurrent_claims(tenant, total))
    if "import" in only:
        results.append(_import(tenant, rows=import_rows))
    _table(results)


def _claims(tenant, repeat: int, total: int) -> dict:
    """One claim = the whole service: quota row, cap check, conditional UPDATE, audit."""
    with tenant_context(tenant):
        services.pool_rules()
        from lenddesk.customers.models import PoolRules

        PoolRules.objects.update(daily_claim_limit=100_000, private_cap=1_000_000)
        claimer = User.objects.filter(username__startswith="s").order_by("-pk").first()
        pool_ids = list(
            Customer.objects.filter(owner__isnull=True)
            .order_by("-pk")
            .values_list("pk", flat=True)[: repeat + 3]
        )
    ids = iter(pool_ids)

    def claim():
        with tenant_context(tenant):
            customer = Customer.objects.get(pk=next(ids))
            services.customer_claim(actor=claimer, customer=customer)

    result = {
        "workload": "claim (one person, sequential)",
        "customers": total,
        **_measure(claim, repeat),
    }
    log(json.dumps(result, ensure_ascii=False))
    return result


def _table(results: list[dict]) -> None:
    log("")
    log(
        "Machine: %s, %s, Python %s, %s"
        % (
            platform.machine(),
            platform.platform(),
            platform.python_version(),
            connection.vendor,
        )
    )
    log("| workload | customers | median ms | p95 ms | runs |")
    log("|---|---:|---:|---:|---:|")
    for r in results:
        log(
            "| %s | %d | %.2f | %.2f | %d |"
            % (r["workload"], r["customers"], r["median_ms"], r["p95_ms"], r["runs"])
        )


def _import(tenant, *, rows: int) -> dict:
    """A CSV of ``rows`` new customers through upload and the background job body."""
    import resource

    from django.core.files.uploadedfile import SimpleUploadedFile

    from lenddesk.customers import imports
    from lenddesk.customers.models import ImportJob
    from lenddesk.tenancy.context import bind_tenant

    lines = ["姓名,手机号,城市,需求金额"]
    import random

    base = random.SystemRandom().randrange(90_000_000)
    for n in range(rows):
        lines.append(
            "导入客户%d,1%02d%08d,成都,100000" % (n, 66, (base + n) % 100_000_000)
        )
    data = "\n".join(lines).encode()
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
        job = imports.import_upload(
            actor=admin, upload=SimpleUploadedFile("bench.csv", data)
        )
        ImportJob.objects.filter(pk=job.pk).update(
            mapping={"0": "name", "1": "phone", "2": "city", "3": "demand_amount"},
            status="queued",
            assignment="pool",
            duplicate_policy="merge",
        )
    started = time.perf_counter()
    with bind_tenant(tenant):
        job = imports.import_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "workload": "import %d-row CSV" % rows,
        "customers": rows,
        "median_ms": round(seconds * 1000, 1),
        "p95_ms": round(seconds * 1000, 1),
        "runs": 1,
        "rows_per_s": round(rows / seconds),
        "peak_rss_mb": round(peak_mb),
        "created": job.created_count,
    }
    log(json.dumps(result, ensure_ascii=False))
    return result


def _concurrent_claims(
    tenant, total: int, workers: int = 32, per_worker: int = 10
) -> dict:
    """32 people claim at once from a shared pool: latency per claim, throughput, and
    the proof that nobody got a customer twice and no cap was exceeded."""
    import threading

    from django.db import close_old_connections
    from django.db import connection as conn

    from lenddesk.customers.models import PoolRules

    with tenant_context(tenant):
        PoolRules.objects.update(
            daily_claim_limit=per_worker * 2, private_cap=1_000_000
        )
        people = list(
            User.objects.filter(username__startswith="s").order_by("pk")[:workers]
        )
        pool = list(
            Customer.objects.filter(owner__isnull=True)
            .order_by("-pk")
            .values_list("pk", flat=True)[: workers * per_worker // 2]
        )
    barrier = threading.Barrier(len(people))
    samples, outcomes, lock = [], {"won": 0, "lost": 0}, threading.Lock()

    def worker(person):
        close_old_connections()
        barrier.wait()
        for n in range(per_worker):
            customer_id = pool[(person.pk * 7 + n) % len(pool)]
            started = time.perf_counter()
            try:
                with tenant_context(tenant):
                    services.customer_claim(
                        actor=person, customer=Customer.objects.get(pk=customer_id)
                    )
                won = True
            except Exception:
                won = False
            with lock:
                samples.append((time.perf_counter() - started) * 1000)
                outcomes["won" if won else "lost"] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    with tenant_context(tenant):
        claimed = Customer.objects.filter(pk__in=pool, owner__isnull=False).count()
    samples.sort()
    result = {
        "workload": "claim, %d concurrent on a shared pool" % len(people),
        "customers": total,
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
        "runs": len(samples),
        "claims_per_s": round(len(samples) / seconds),
        "won": outcomes["won"],
        "pool_customers": len(pool),
        "claimed_afterwards": claimed,
        "no_double_claims": outcomes["won"] == claimed,
    }
    log(json.dumps(result, ensure_ascii=False))
    return result
