"""Orders (M7): moves through the API under concurrency, and the board's first page.

``order-move``: 32 processors, each with a bearer token and a keep-alive connection,
post ``POST /api/v1/orders/{id}/moves/`` at the same instant (a barrier per round):
first each on an order of their own (every move must succeed), then all 32 on ONE
order with the version they all read (exactly one winner per round, 31 answers 409
``order_conflict`` naming the winner). A round moves the orders forward one step, the
next sends them back with a reason, so the data set ends where it began. The orders
are running ones at a processor's step whose next step is a processor's too.

``order-board``: the first page of ``/orders/board/`` (the firm's first workflow:
every column's count and first cards) as a salesperson (own customers), a processor
(the orders they take part in) and the general manager (the whole firm), against the
same SELECTs replayed as raw SQL.
"""

from __future__ import annotations

import json
import statistics
import threading
from collections import Counter
from itertools import pairwise

from bench.context import RawClient
from bench.registry import Result, percentile, workload

MOVERS = 32
MOVES = "/api/v1/orders/%d/moves/"
COMMENT = "bench: "  # every move the workload makes says so
TARGET_MOVE_MS = 50
TARGET_BOARD_MS = 100
TARGET_BOARD_RATIO = 5


@workload("order-board", order=40)
def order_board(ctx):
    """First page of the order board: salesperson, processor, general manager."""
    for role, user in (
        ("salesperson", ctx.users["salesperson"]),
        ("processor", _processors(ctx)[0]),
        ("general manager", ctx.users["general_manager"]),
    ):
        result = ctx.http(
            "order board, %s, first page (HTML)" % role,
            "GET",
            "/orders/board/",
            user=user,
            session=True,
            group="order-board",
        )
        server = statistics.median(result.server_ms) if result.server_ms else None
        met = (
            server is not None
            and server < TARGET_BOARD_MS
            and (result.ratio or 0) <= TARGET_BOARD_RATIO
        )
        result.extra.update(
            target="< %d ms server median, ≤ %d× raw SQL"
            % (TARGET_BOARD_MS, TARGET_BOARD_RATIO),
            target_met=met,
            note="target %s" % ("met" if met else "MISSED"),
        )
        yield result


@workload("order-move", order=55)
def order_move(ctx):
    """32 concurrent moves on 32 orders (all succeed), then 32 concurrent moves on
    one order per round (exactly one winner, the rest 409 order_conflict)."""
    movers = _processors(ctx)
    if len(movers) < MOVERS:
        raise RuntimeError(
            "the bench firm has %d processors, not %d: run `python -m bench seed`"
            % (len(movers), MOVERS)
        )
    orders = _movable_orders(ctx, MOVERS + 1)
    distinct, race = orders[:MOVERS], orders[MOVERS]
    _hand_over(ctx, movers, distinct, race)
    clients = [
        RawClient(ctx.server.host, ctx.server.port, ctx.headers_for(user))
        for user in movers
    ]
    for client in clients:  # warm the connections and each worker's token cache
        client.request("GET", "/api/v1/me/")
    # An even number of rounds: forward, back, …, back (the data ends where it began).
    rounds = ctx.scale.warmup + ctx.scale.runs
    rounds += rounds % 2
    for mode, targets in (("distinct", distinct), ("race", [race] * MOVERS)):
        result = _measure(ctx, mode, clients, movers, targets, rounds)
        yield result
        if not result.extra["proof_ok"]:  # the smoke run fails on it
            raise AssertionError("order-move proof failed: %s" % result.extra["proof"])


def _processors(ctx) -> list:
    from lenddesk.accounts.models import User
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(ctx.tenant):
        return list(
            User.objects.filter(username__startswith="p", roles__key="processor")
            .order_by("pk")
            .distinct()[:MOVERS]
        )


def _movable_orders(ctx, count: int) -> list[int]:
    """The newest running orders at a processor's step whose next step is a
    processor's too and lets them send it back: forward, then back, for ever. Orders
    an earlier run moved come last: each run adds 60 moves to an order's history, and
    an order with hundreds of moves is not what a firm moves."""
    from django.db.models import Exists, OuterRef

    from lenddesk.orders.models import (
        NodeKind,
        Order,
        OrderMove,
        OrderStatus,
        WorkflowNode,
    )
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(ctx.tenant):
        nodes = list(
            WorkflowNode.objects.order_by("version_id", "position").values(
                "pk", "version_id", "role_key", "can_return", "kind"
            )
        )
        movable = [
            here["pk"]
            for here, there in pairwise(nodes)
            if here["version_id"] == there["version_id"]
            and here["role_key"] == there["role_key"] == "processor"
            and there["can_return"]
            and there["kind"] != NodeKind.END
        ]
        found = list(
            Order.objects.filter(status=OrderStatus.OPEN, node_id__in=movable)
            .alias(
                used=Exists(
                    OrderMove.objects.filter(
                        order=OuterRef("pk"), comment__startswith=COMMENT
                    )
                )
            )
            .order_by("used", "-pk")
            .values_list("pk", flat=True)[:count]
        )
    if len(found) < count:
        raise RuntimeError(
            "%d running orders at a processor's step, %d needed: seed orders"
            % (len(found), count)
        )
    return found


def _hand_over(ctx, movers, distinct: list[int], race: int) -> None:
    """Processor i handles order i; every processor takes part in the race order
    (so all 32 may see and move it)."""
    from lenddesk.orders.models import Order, OrderParticipant
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(ctx.tenant):
        for user, order_id in zip(movers, distinct, strict=True):
            Order.objects.filter(pk=order_id).update(processor=user)
        wanted = [(o, u.pk) for u, o in zip(movers, distinct, strict=True)]
        wanted += [(race, u.pk) for u in movers]
        have = set(
            OrderParticipant.objects.filter(
                order_id__in=[*distinct, race], user__in=movers
            ).values_list("order_id", "user_id")
        )
        OrderParticipant.objects.bulk_create(
            [
                OrderParticipant(order_id=o, user_id=u, role_key="processor")
                for o, u in wanted
                if (o, u) not in have
            ]
        )


def _state(ctx, order_ids) -> dict[int, tuple[int, int]]:
    """Each order's version and number of recorded moves."""
    from django.db.models import Count

    from lenddesk.orders.models import Order
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(ctx.tenant):
        return {
            pk: (version, moves)
            for pk, version, moves in Order.objects.filter(pk__in=set(order_ids))
            .annotate(n=Count("moves"))
            .values_list("pk", "lock_version", "n")
        }


def _measure(ctx, mode: str, clients, movers, targets: list[int], rounds: int):
    """``rounds`` rounds; in each every client posts one move at the same moment."""
    before = _state(ctx, targets)
    versions = {pk: version for pk, (version, _n) in before.items()}
    records: list[tuple] = []  # (round, client, status, ms, server_ms, error, detail)
    lock = threading.Lock()
    # Each round: all start together; the winners learn the new version only once
    # every answer is in (a slow starter must not send the new version this round).
    start = threading.Barrier(len(clients), timeout=300)
    done = threading.Barrier(len(clients), timeout=300)

    def mover(index: int) -> None:
        order_id = targets[index]
        try:
            for n in range(rounds):
                start.wait()
                reply = clients[index].request(
                    "POST", MOVES % order_id, _move(n, versions[order_id])
                )
                answer = _json(reply.body)
                with lock:
                    records.append(
                        (
                            n,
                            index,
                            reply.status,
                            reply.ms,
                            reply.server_ms,
                            answer.get("error", ""),
                            answer.get("detail", ""),
                        )
                    )
                done.wait()
                if reply.status == 201:
                    versions[order_id] = answer["order"]["version"]
        except Exception:
            start.abort()  # the others stop rather than wait for ever
            done.abort()
            raise

    ctx.server.reset_peak()
    seconds = ctx.threads(mover, [(i,) for i in range(len(clients))])
    peak = ctx.server.peak_rss_mb()
    after = _state(ctx, targets)
    return _result(
        ctx, mode, movers, targets, rounds, records, before, after, seconds, peak
    )


def _move(n: int, version: int) -> dict:
    """Even rounds move on, odd rounds send the order back (with the reason)."""
    if n % 2 == 0:
        return {"kind": "forward", "comment": COMMENT + "on", "version": version}
    return {"kind": "return", "comment": COMMENT + "back", "version": version}


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _result(ctx, mode, movers, targets, rounds, records, before, after, seconds, peak):
    timed = [r for r in records if r[0] >= ctx.scale.warmup]
    wins_per_round = Counter(r[0] for r in records if r[2] == 201)
    outcomes = Counter("%d %s" % (r[2], r[5]) if r[5] else str(r[2]) for r in records)
    won = sorted(r[4] for r in timed if r[2] == 201 and r[4] is not None)
    names = {i: str(user) for i, user in enumerate(movers)}
    if mode == "distinct":
        label = "order move, %d concurrent on %d orders (API)" % (MOVERS, MOVERS)
        checks = {
            "every_move_won": all(r[2] == 201 for r in records),
            "each_order_moved_every_round": all(
                after[pk][0] - before[pk][0] == rounds
                and after[pk][1] - before[pk][1] == rounds
                for pk in set(targets)
            ),
        }
    else:
        winners = {r[0]: names[r[1]] for r in records if r[2] == 201}
        race = targets[0]
        label = "order move, %d concurrent on one order (API)" % MOVERS
        checks = {
            "one_winner_per_round": all(wins_per_round[n] == 1 for n in range(rounds)),
            "losers_get_409_order_conflict": all(
                r[2] == 409 and r[5] == "order_conflict" for r in records if r[2] != 201
            ),
            "conflict_names_the_winner": all(
                winners.get(r[0], "\0") in r[6] for r in records if r[2] == 409
            ),
            "order_moved_once_per_round": after[race][0] - before[race][0] == rounds
            and after[race][1] - before[race][1] == rounds,
        }
    checks["no_server_errors"] = not any(r[2] >= 500 for r in records)
    result = Result(
        group="order-move",
        label=label,
        samples_ms=[r[3] for r in timed],
        server_ms=[r[4] for r in timed if r[4] is not None],
        peak_rss_mb=peak,
    )
    winners_total = sum(wins_per_round.values())
    server = statistics.median(result.server_ms) if result.server_ms else None
    result.extra.update(
        rounds=rounds,
        timed_rounds=rounds - ctx.scale.warmup,
        requests_per_s=round(len(records) / seconds, 1),
        winners=winners_total,
        won_server_median_ms=round(statistics.median(won), 2) if won else None,
        won_server_p95_ms=round(percentile(won, 0.95), 2) if won else None,
        outcomes=dict(outcomes),
        proof=checks,
        proof_ok=all(checks.values()),
        target="< %d ms server median" % TARGET_MOVE_MS,
        note="%d winners in %d rounds; %d requests/s; server median %s ms "
        "(moves that won: %s); proof %s"
        % (
            winners_total,
            rounds,
            round(len(records) / seconds),
            "%.1f" % server if server is not None else "?",
            "%.1f" % statistics.median(won) if won else "?",
            "OK" if all(checks.values()) else "FAILED",
        ),
    )
    return result
