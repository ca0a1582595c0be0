"""Telephony provider callbacks (SPEC M5, issue 18): signed call events from 32
concurrent connections through gunicorn, every event delivered twice. Measured:
callbacks answered per second, p50/p95/p99 of every request, and the proof that each
event was stored once and each call ended once (no duplicate records)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections import Counter

from bench.context import RawClient
from bench.registry import Result, percentile, workload

CONNECTIONS = 32
TARGET_PER_S = 300
TARGET_P99_MS = 250
EVENTS_PER_CALL = 3  # ringing, answered, ended
LINES = 16  # the firm's caller lines the calls were made on


def _calls_per_connection(ctx) -> int:
    # 1k: 4 calls per connection (384 events, 768 requests); larger: 12 (2 304 requests).
    return 4 if ctx.scale.customers <= 1_000 else 12


def _telephony_module(tenant):
    if "telephony" in (tenant.modules or []):
        return tenant
    from lenddesk.platform.services import tenant_update_plan

    return tenant_update_plan(
        operator=None,
        tenant=tenant,
        name=tenant.name,
        seats=tenant.seats,
        modules=[*tenant.modules, "telephony"],
        expires_on=tenant.expires_on,
    )


def _setup(ctx, stamp: int, count: int):
    """The simulated provider, one line and ``count`` calls waiting for their events
    (made in bulk: the bench measures the callbacks, not the dialling)."""
    from lenddesk.customers.models import Customer
    from lenddesk.telephony.models import CallerNumber, CallRecord
    from lenddesk.telephony.services import settings_update, telephony_settings
    from lenddesk.tenancy.context import tenant_context

    ctx.tenant = _telephony_module(ctx.tenant)
    admin, seller = ctx.users["admin"], ctx.users["salesperson"]
    with tenant_context(ctx.tenant):
        settings_update(actor=admin, values={"provider": "simulated"})
        secret = telephony_settings().get_secret("callback_secret")
        lines = [
            CallerNumber.objects.get_or_create(number="0210000%04d" % n)[0]
            for n in range(LINES)
        ]
        customers = list(Customer.objects.filter(owner=seller)[:50]) or list(
            Customer.objects.all()[:50]
        )
        calls = CallRecord.objects.bulk_create(
            CallRecord(
                tenant=ctx.tenant,
                customer=customers[n % len(customers)],
                staff=seller,
                caller_number=lines[n % LINES],
                provider="simulated",
                mode="callback",
                provider_call_id="bench-%d-%d" % (stamp, n),
            )
            for n in range(count)
        )
    return secret, [c.provider_call_id for c in calls]


def _events_of(call_id: str) -> list[bytes]:
    end = dt.datetime.now(dt.UTC)
    rows = [
        ("ringing", end - dt.timedelta(seconds=70), "", 0),
        ("answered", end - dt.timedelta(seconds=60), "", 0),
        ("ended", end, "connected", 60),
    ]
    return [
        json.dumps(
            {
                "events": [
                    {
                        "event_id": "%s:%s" % (call_id, kind),
                        "call_id": call_id,
                        "kind": kind,
                        "at": at.isoformat(),
                        "result": result,
                        "duration": seconds,
                    }
                ]
            },
            separators=(",", ":"),
        ).encode()
        for kind, at, result, seconds in rows
    ]


@workload("call-callback", order=62)
def call_callback(ctx):
    """32 connections post signed provider call events, each one twice: callbacks
    per second, p50/p95/p99, exactly one stored event per event id and one ended
    state per call."""
    from lenddesk.telephony.providers.base import body_signature

    stamp = int(time.time())
    per_connection = _calls_per_connection(ctx)
    secret, call_ids = _setup(ctx, stamp, CONNECTIONS * per_connection)
    path = "/api/v1/telephony/callbacks/%s/simulated/" % ctx.tenant.slug
    clients = [
        RawClient(ctx.server.host, ctx.server.port, {}) for _ in range(CONNECTIONS)
    ]
    for client in clients:  # warm each connection (404: unknown provider)
        client.send("POST", path.replace("simulated", "none"), b"{}", {})
    ts = str(int(time.time()))
    prepared = []
    for c, client in enumerate(clients):
        mine = call_ids[c * per_connection : (c + 1) * per_connection]
        requests = []
        for call_id in mine:
            for body in _events_of(call_id):
                headers = {
                    "Content-Type": "application/json",
                    "X-Timestamp": ts,
                    "X-Signature": body_signature(secret, ts, body),
                }
                request = client.prepare("POST", path, body, headers)
                requests += [(1, request), (2, request)]
        prepared.append(requests)
    outcomes: list[tuple] = []

    def send(index: int) -> None:
        client = clients[index]
        for attempt, request in prepared[index]:
            reply = client.send_prepared(request)
            outcomes.append(
                (attempt, reply.status, reply.ms, reply.server_ms, reply.body)
            )

    ctx.log(
        "call-callback: %d connections x %d events, each sent twice"
        % (CONNECTIONS, per_connection * EVENTS_PER_CALL)
    )
    ctx.server.reset_peak()
    seconds = ctx.threads(send, [(i,) for i in range(CONNECTIONS)])
    result = _result(ctx, outcomes, seconds, call_ids)
    yield result
    if not result.extra["proof_ok"]:
        raise AssertionError("call-callback proof failed: %s" % result.extra["proof"])


def _proof(ctx, call_ids, outcomes) -> dict:
    from lenddesk.telephony.models import CallEvent, CallRecord
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(ctx.tenant):
        events = CallEvent.objects.filter(call__provider_call_id__in=call_ids)
        per_id = Counter(events.values_list("event_id", flat=True))
        ended = CallRecord.objects.filter(provider_call_id__in=call_ids, state="ended")
        ended_count = ended.count()
        talk = set(ended.values_list("duration_seconds", flat=True))
    return {
        "one_event_per_id": len(per_id) == len(call_ids) * EVENTS_PER_CALL
        and all(n == 1 for n in per_id.values()),
        "every_call_ended_once": ended_count == len(call_ids) and talk == {60},
        "all_answered_200": all(o[1] == 200 for o in outcomes),
        "no_server_errors": not any(o[1] >= 500 for o in outcomes),
    }


def _result(ctx, outcomes, seconds: float, call_ids) -> Result:
    samples = [o[2] for o in outcomes]
    server = [o[3] for o in outcomes if o[3] is not None]
    p99 = percentile(sorted(samples), 0.99)
    per_s = len(outcomes) / seconds
    checks = _proof(ctx, call_ids, outcomes)
    result = Result(
        group="call-callback",
        label="call events, %d connections, signed, each sent twice" % CONNECTIONS,
        samples_ms=samples,
        server_ms=server,
        peak_rss_mb=ctx.server.peak_rss_mb(),
    )
    if ctx.minimal_ms is not None:
        result.baseline, result.baseline_ms = "minimal view", ctx.minimal_ms
    result.extra.update(
        requests=len(outcomes),
        events=len(call_ids) * EVENTS_PER_CALL,
        burst_s=round(seconds, 2),
        callbacks_per_s=round(per_s, 1),
        median_ms=round(statistics.median(samples), 2),
        p99_ms=round(p99, 2),
        outcomes={str(k): v for k, v in Counter(o[1] for o in outcomes).items()},
        target={"callbacks_per_s": TARGET_PER_S, "p99_ms": TARGET_P99_MS},
        target_met=per_s >= TARGET_PER_S and p99 < TARGET_P99_MS,
        proof=checks,
        proof_ok=all(checks.values()),
        note="%d callbacks/s, p99 %d ms (target ≥ %d/s, < %d ms); proof %s"
        % (
            round(per_s),
            round(p99),
            TARGET_PER_S,
            TARGET_P99_MS,
            "ok" if all(checks.values()) else "FAILED",
        ),
    )
    return result
