"""Customer reads through the API (list, search, detail), the list page (first page,
sorted and filtered views), and 32 concurrent claimers on a shared pool."""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode

from bench.context import RawClient
from bench.registry import Result, percentile, workload

LIST = "/api/v1/customers/"


@workload("list", order=10)
def customer_list(ctx):
    """First page of the customer list: salesperson, team lead, general manager."""
    for role in ("salesperson", "team_lead", "general_manager"):
        yield ctx.http(
            "list, %s, first page (API)" % role.replace("_", " "),
            "GET",
            LIST,
            user=ctx.users[role],
        )
    yield ctx.http(
        "list, salesperson, first page (HTML)",
        "GET",
        "/customers/",
        user=ctx.users["salesperson"],
        session=True,
    )
    # A manager's working views: sorted (a keyset on value and id), filtered, with the
    # capped total every page shows.
    views = [
        ("general_manager", "sorted by amount", {"sort": "-amount"}),
        ("general_manager", "longest without follow-up", {"sort": "last_followup"}),
        ("team_lead", "next follow-up soonest", {"sort": "next_followup"}),
        (
            "team_lead",
            "city and amount ≥ 20万, newest",
            {"city": "深圳", "amount_min": "20万"},
        ),
    ]
    for role, what, params in views:
        yield ctx.http(
            "list, %s, %s (HTML)" % (role.replace("_", " "), what),
            "GET",
            "/customers/?" + urlencode(params),
            user=ctx.users[role],
            session=True,
        )


@workload("search", order=20)
def customer_search(ctx):
    """Search: full phone, last four digits, pinyin initials, name contains."""
    phone = ctx.sample["phone"]
    digits = phone[-11:]
    cases = [
        ("full phone", digits),
        ("last four digits", digits[-4:]),
        ("pinyin initials 'zw'", "zw"),
        ("name contains '建'", "建"),
    ]
    for role in ("salesperson", "general_manager"):
        for what, q in cases:
            yield ctx.http(
                "search %s, %s" % (what, role.replace("_", " ")),
                "GET",
                "%s?%s" % (LIST, urlencode({"q": q})),
                user=ctx.users[role],
            )


@workload("detail", order=30)
def customer_detail(ctx):
    """One customer, as its owner."""
    customer = ctx.sample["customer"]
    yield ctx.http(
        "detail, salesperson (API)",
        "GET",
        "%s%d/" % (LIST, customer.pk),
        user=ctx.users["salesperson"],
    )
    yield ctx.http(
        "detail, salesperson (HTML)",
        "GET",
        "/customers/%d/" % customer.pk,
        user=ctx.users["salesperson"],
        session=True,
    )


@workload("claim", order=50)
def customer_claim(ctx):
    """32 salespeople claim from one shared pool at once through the API; throughput,
    latency, and the proof that nobody exceeded the cap or the daily limit and no
    customer was claimed twice."""
    from django.db.models import Count

    from lenddesk.audit.models import AuditAction, AuditEvent
    from lenddesk.customers.models import ClaimCounter, Customer, PoolRules
    from lenddesk.customers.services import pool_rules
    from lenddesk.tenancy.context import tenant_context

    claimers = ctx.users["claimers"]
    attempts = ctx.scale.claims
    per_day = 5
    with tenant_context(ctx.tenant):
        rules = pool_rules()
        saved = (rules.private_cap, rules.daily_claim_limit)
        today = ClaimCounter.objects.filter(day=_today(), user__in=claimers)
        used = dict(today.values_list("user_id", "used"))
        owned = dict(
            Customer.objects.filter(owner__in=claimers)
            .values("owner_id")
            .annotate(n=Count("id"))
            .values_list("owner_id", "n")
        )
        # The daily limit binds everyone (5 more claims each); the cap binds the one
        # who owns most (two more).
        limit = max(used.values(), default=0) + per_day
        cap = max(owned.get(u.pk, 0) for u in claimers) + 2
        PoolRules.objects.filter(pk=rules.pk).update(
            private_cap=cap, daily_claim_limit=limit
        )
        pool = list(
            # The firm's main pool, open to every claimer. (A customer someone else
            # has just claimed is out of the others' scope: they get 404, not 409.)
            Customer.objects.filter(
                owner__isnull=True,
                previous_owner__isnull=True,
                pool__department__isnull=True,
            )
            .order_by("-pk")
            .values_list("pk", flat=True)[: len(claimers) * attempts // 2]
        )
    if not pool:
        raise RuntimeError("no public-pool customers to claim")
    clients = [  # the lean client: the 32 claimers share the cores with the server
        RawClient(ctx.server.host, ctx.server.port, ctx.headers_for(u))
        for u in claimers
    ]
    for c in clients:  # warm the connections (and each worker's token cache)
        c.request("GET", "/api/v1/me/")
    rng = random.Random(7)
    plans = [rng.sample(pool, min(attempts, len(pool))) for _ in claimers]
    outcomes: list[tuple[int, int, int, float, float | None, str]] = []
    lock = threading.Lock()

    def claim(index):
        for customer_id in plans[index]:
            reply = clients[index].request(
                "POST", "%s%d/claim/" % (LIST, customer_id), {}
            )
            code = ""
            if reply.status != 200:
                try:
                    code = reply.json().get("error", "")
                except ValueError:
                    code = "?"
            with lock:
                outcomes.append(
                    (
                        claimers[index].pk,
                        customer_id,
                        reply.status,
                        reply.ms,
                        reply.server_ms,
                        code,
                    )
                )

    ctx.server.reset_peak()
    start_time = time.time()
    seconds = ctx.threads(claim, [(i,) for i in range(len(claimers))])
    peak = ctx.server.peak_rss_mb()
    with tenant_context(ctx.tenant):
        PoolRules.objects.filter(pk=rules.pk).update(
            private_cap=saved[0], daily_claim_limit=saved[1]
        )
        after_owner = dict(
            Customer.objects.filter(pk__in=pool, owner__isnull=False).values_list(
                "pk", "owner_id"
            )
        )
        used_after = dict(
            ClaimCounter.objects.filter(day=_today(), user__in=claimers).values_list(
                "user_id", "used"
            )
        )
        owned_after = dict(
            Customer.objects.filter(owner__in=claimers)
            .values("owner_id")
            .annotate(n=Count("id"))
            .values_list("owner_id", "n")
        )
        audited = Counter(
            AuditEvent.objects.filter(
                action=AuditAction.CUSTOMER_CLAIMED,
                object_type="customers.customer",
                object_id__in=[str(p) for p in pool],
            ).values_list("object_id", flat=True)
        )
    wins = [(u, c) for u, c, status, *_rest in outcomes if status == 200]
    wins_by_customer = Counter(c for _u, c in wins)
    wins_by_user = defaultdict(int)
    for u, _c in wins:
        wins_by_user[u] += 1
    statuses = Counter(
        "%d %s" % (status, code) if code else str(status)
        for *_a, status, _ms, _s, code in outcomes
    )
    checks = {
        "no_customer_won_twice": all(n == 1 for n in wins_by_customer.values()),
        "owner_matches_winner": all(after_owner.get(c) == u for u, c in wins),
        "only_winners_own": len(after_owner) == len(wins),
        "one_audit_per_claim": all(audited[str(c)] == 1 for _u, c in wins)
        and sum(audited.values()) == len(wins),
        "daily_limit_kept": all(used_after.get(u.pk, 0) <= limit for u in claimers)
        and all(used.get(u, 0) + n <= limit for u, n in wins_by_user.items()),
        "cap_kept": all(owned_after.get(u.pk, 0) <= cap for u in claimers),
        "no_server_errors": not any(s >= 500 for *_a, s, _m, _x, _c in outcomes),
    }
    samples = [ms for *_a, ms, _s, _c in outcomes]
    server = [s for *_a, s, _c in outcomes if s is not None]
    won_ms = sorted(ms for *_a, status, ms, _s, _c in outcomes if status == 200)
    result = Result(
        group="claim",
        label="claim, %d concurrent on a shared pool (API)" % len(claimers),
        samples_ms=samples,
        server_ms=server,
        peak_rss_mb=peak,
    )
    result.extra.update(
        claims_per_s=round(len(outcomes) / seconds, 1),
        wins=len(wins),
        won_median_ms=round(statistics.median(won_ms), 2) if won_ms else None,
        won_p95_ms=round(percentile(won_ms, 0.95), 2) if won_ms else None,
        pool_customers=len(pool),
        daily_limit=limit,
        private_cap=cap,
        outcomes=dict(statuses),
        proof=checks,
        proof_ok=all(checks.values()),
        started=start_time,
        note="%d claims/s, %d won; proof %s"
        % (
            round(len(outcomes) / seconds),
            len(wins),
            "OK" if all(checks.values()) else "FAILED",
        ),
    )
    yield result
    if not all(checks.values()):
        raise AssertionError("claim proof failed: %s" % checks)


def _today():
    from django.utils import timezone

    return timezone.localdate()
