"""Traffic-platform intake (SPEC M4): signed lead deliveries from 32 concurrent
connections through gunicorn, every lead sent twice with the same Idempotency-Key.
The server answers 202 ``queued`` and a real Celery worker (started here with the
server's environment) turns the deliveries into customers: accepted leads per second
during the burst, latency of every request, then the time until the last customer
exists, and the proof — after the drain — that no lead became two customers. Audit is
on (it always is: every created customer is an audit row)."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from pathlib import Path

from bench.context import RawClient
from bench.registry import Result, percentile, workload
from bench.server import Worker

CONNECTIONS = 32
TARGET_LEADS_PER_S = 300
TARGET_P99_MS = 250
DRAIN_TIMEOUT_S = 300
ACCEPTED = (200, 201, 202)


def _leads_per_connection(ctx) -> int:
    # 1k: 10 per connection (320 leads, 640 requests); larger scales: 40 (1 280 leads).
    return 10 if ctx.scale.customers <= 1_000 else 40


@workload("intake", order=60)
def intake_signed(ctx):
    """32 connections post signed leads, each one twice (same Idempotency-Key), a
    Celery worker drains them: accepted leads per second, p50/p95/p99, the drain time,
    and exactly one customer per lead."""
    from django.conf import settings

    worker_log = str(Path(settings.HOME) / "bench-worker.log")
    with Worker(ctx.server.env, worker_log) as worker:
        yield from _intake(ctx, worker)


def _intake(ctx, worker: Worker):
    from django.db.models import Max

    from lenddesk.acquisition import services
    from lenddesk.acquisition.models import Delivery, Integration
    from lenddesk.customers.models import Customer
    from lenddesk.security.crypto import blind_index, normalize_phone
    from lenddesk.tenancy.context import tenant_context

    admin = ctx.users["admin"]
    stamp = int(time.time())
    with tenant_context(ctx.tenant):
        channel = services.channel_for(name="bench-intake", kind="traffic")
        issued = services.integration_create(
            actor=admin,
            values={
                "name": "bench-intake-%d" % stamp,
                "channel": channel,
                "assign_mode": "rules",
                "rate_limit_per_minute": 100_000,
            },
        )
    integration, secret = issued.integration, issued.secret
    path = "/api/v1/intake/%s/" % integration.key
    per_connection = _leads_per_connection(ctx)
    # Unused mobile numbers: 199 + run stamp digits + sequence (never in the seed).
    base = 19_900_000_000 + (stamp % 10_000) * 10_000
    plans = []
    for c in range(CONNECTIONS):
        plan = []
        for n in range(per_connection):
            seq = c * per_connection + n
            body = json.dumps(
                {
                    "name": "压测%d" % seq,
                    "phone": str(base + seq),
                    "city": "杭州",
                    "amount": "150000",
                    "consent": {
                        "notice_version": "bench-1",
                        "agreed_at": stamp,
                        "ip": "203.0.113.9",
                    },
                },
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
            plan.append(("bench-%d-%d" % (stamp, seq), body))
        plans.append(plan)
    clients = [RawClient(ctx.server.host, ctx.server.port, {}) for _ in plans]
    for client in clients:  # warm each connection and worker (404: unknown key)
        client.send(
            "POST", "/api/v1/intake/%s.warmup0000/" % ctx.tenant.slug, b"{}", {}
        )

    outcomes: list[tuple] = []  # key, status, ms, server ms, retry?, reply (then lead)
    lock = threading.Lock()

    def send(index: int) -> None:
        client = clients[index]
        for key, attempt, request in prepared[index]:
            reply = client.send_prepared(request)
            with lock:
                outcomes.append(
                    (key, reply.status, reply.ms, reply.server_ms, attempt == 2, reply)
                )

    ceiling = _minimal_view_ceiling(clients, per_connection * 2)
    ctx.log(
        "intake: the minimal view answers %.0f requests/s on %d connections"
        % (ceiling, CONNECTIONS)
    )
    ctx.log(
        "intake: %d connections x %d leads, each sent twice; one Celery worker"
        % (CONNECTIONS, per_connection)
    )
    # Signed just before the burst (the window is five minutes), so the load
    # generator spends the burst sending, not hashing; every lead is sent twice.
    ts = str(int(time.time()))
    prepared = [
        [
            (
                key,
                attempt,
                client.prepare("POST", path, body, _signed(secret, ts, key, body)),
            )
            for key, body in plan
            for attempt in (1, 2)
        ]
        for client, plan in zip(clients, plans, strict=True)
    ]
    ctx.server.reset_peak()
    started = time.time()
    seconds = ctx.threads(send, [(i,) for i in range(len(clients))])
    outcomes = [(*o[:5], _lead_of(o[5].body)) for o in outcomes]
    peak = ctx.server.peak_rss_mb()
    keys = [key for plan in plans for key, _body in plan]
    drained = _wait_for_drain(ctx, worker, integration)
    with tenant_context(ctx.tenant):
        deliveries = Delivery.objects.filter(integration=integration)
        per_key = Counter(deliveries.values_list("idempotency_key", flat=True))
        created = deliveries.filter(status="created").count()
        phones = [str(base + i) for i in range(len(keys))]
        # Every customer with one of this run's phone numbers, linked or not: a twin
        # made by a retry would show up here.
        made = Customer.objects.filter(
            phone_index__in=[
                blind_index(normalize_phone(p), purpose=Customer.index_purpose("phone"))
                for p in phones
            ]
        )
        customers = made.count()
        last = made.aggregate(last=Max("created_at"))["last"]
        owned = Customer.objects.filter(
            pk__in=deliveries.values("customer_id"), owner__isnull=False
        ).count()
        Integration.objects.filter(pk=integration.pk).update(active=False)
    statuses = Counter(status for _k, status, *_rest in outcomes)
    first = [o for o in outcomes if not o[4]]
    accepted = sum(1 for _k, status, *_r in first if status in ACCEPTED)
    samples = [o[2] for o in outcomes]
    server = [o[3] for o in outcomes if o[3] is not None]
    p99 = percentile(sorted(samples), 0.99)
    drain_s = (last.timestamp() - started) if last else None
    checks = {
        "drained": drained,
        "one_delivery_per_key": len(per_key) == len(keys)
        and all(n == 1 for n in per_key.values()),
        "one_customer_per_lead": created == len(keys) and customers == len(keys),
        "retries_answered_2xx_same_lead": _retries_agree(outcomes),
        "no_server_errors": not any(o[1] >= 500 for o in outcomes),
    }
    leads_per_s = accepted / seconds
    result = Result(
        group="intake",
        label="intake, %d connections, signed, each lead sent twice" % CONNECTIONS,
        samples_ms=samples,
        server_ms=server,
        peak_rss_mb=peak,
    )
    if ctx.minimal_ms is not None:
        result.baseline = "minimal view"
        result.baseline_ms = ctx.minimal_ms
    result.extra.update(
        requests=len(outcomes),
        leads=len(keys),
        burst_s=round(seconds, 2),
        accepted_leads_per_s=round(leads_per_s, 1),
        requests_per_s=round(len(outcomes) / seconds, 1),
        minimal_view_requests_per_s=round(ceiling, 1),
        share_of_ceiling=round(len(outcomes) / seconds / ceiling, 3),
        median_ms=round(statistics.median(samples), 2),
        p99_ms=round(p99, 2),
        drain_s=round(drain_s, 2) if drain_s is not None else None,
        end_to_end_leads_per_s=round(customers / drain_s, 1) if drain_s else None,
        assigned=owned,
        phones_checked=len(phones),
        outcomes={str(k): v for k, v in statuses.items()},
        target={"leads_per_s": TARGET_LEADS_PER_S, "p99_ms": TARGET_P99_MS},
        target_met=leads_per_s >= TARGET_LEADS_PER_S and p99 < TARGET_P99_MS,
        proof=checks,
        proof_ok=all(checks.values()),
        note="%d accepted leads/s, p99 %d ms (target ≥ %d/s, < %d ms); "
        "%d requests/s = %.0f%% of the minimal view's %d; "
        "customers after %s s (%s leads/s end to end); proof %s"
        % (
            round(leads_per_s),
            round(p99),
            TARGET_LEADS_PER_S,
            TARGET_P99_MS,
            round(len(outcomes) / seconds),
            100 * len(outcomes) / seconds / ceiling,
            round(ceiling),
            "%.1f" % drain_s if drain_s is not None else "—",
            round(customers / drain_s) if drain_s else "—",
            "ok" if all(checks.values()) else "FAILED",
        ),
    )
    yield result
    if not all(checks.values()):
        raise AssertionError("intake proof failed: %s" % checks)


def _lead_of(content: bytes) -> str:
    try:
        return str(json.loads(content).get("lead") or "")
    except (ValueError, AttributeError):
        return ""


def _retries_agree(outcomes) -> bool:
    """Every retry answered 2xx with the lead reference its first attempt got."""
    first = {o[0]: o[5] for o in outcomes if not o[4]}
    return all(
        o[1] in ACCEPTED and o[5] and o[5] == first.get(o[0]) for o in outcomes if o[4]
    )


def _wait_for_drain(ctx, worker: Worker, integration) -> bool:
    """Until the worker has left nothing of this integration queued; False after
    DRAIN_TIMEOUT_S. Fails at once when the worker died."""
    from lenddesk.acquisition.models import Delivery, DeliveryStatus
    from lenddesk.tenancy.context import tenant_context

    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while True:
        with tenant_context(ctx.tenant):
            waiting = Delivery.objects.filter(
                integration=integration, status=DeliveryStatus.QUEUED
            ).count()
        if not waiting:
            return True
        if not worker.alive():
            raise RuntimeError(
                "the Celery worker died with %d deliveries queued; see %s"
                % (waiting, worker.log_path)
            )
        if time.monotonic() > deadline:
            ctx.log("intake: %d deliveries still queued after the timeout" % waiting)
            return False
        time.sleep(0.2)


def _signed(secret: str, ts: str, key: str, body: bytes) -> dict[str, str]:
    from lenddesk.acquisition import intake

    return {
        "Content-Type": "application/json",
        "X-Timestamp": ts,
        "X-Signature": intake.sign(secret, ts, body),
        "Idempotency-Key": key,
    }


def _minimal_view_ceiling(clients, per_client: int) -> float:
    """Requests/s of the minimal view (every middleware, no query) from the same
    connections and client code: what this machine can answer at all, so the intake
    rate reads as a share of it."""
    import concurrent.futures

    def hit(client):
        for _ in range(per_client):
            client.send("GET", "/__bench/minimal", None, {})

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(hit, clients))
    return len(clients) * per_client / (time.perf_counter() - started)
