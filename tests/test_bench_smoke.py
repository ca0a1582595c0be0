"""The benchmark harness's own bookkeeping (the full harness runs in scripts/bench-smoke
against PostgreSQL and gunicorn)."""

import pytest
from bench.registry import REGISTRY, Result, discover, percentile, selected, workload
from bench.runner import render


def test_every_issue_workload_is_registered():
    groups = {w.group for w in discover().values()}
    assert {
        "list",
        "search",
        "detail",
        "claim",
        "import",
        "export",
        "reclaim",
        "order-move",
        "order-board",
    } <= groups


def test_the_order_workloads_run_in_the_smoke_reads_before_writes():
    names = [w.name for w in selected(["order-move", "order-board"], smoke=True)]
    assert names == ["workloads_orders.order_board", "workloads_orders.order_move"]


def test_only_selects_groups_and_destructive_ones_run_last():
    names = [w.group for w in selected(["reclaim", "list"])]
    assert names == ["list", "reclaim"]
    everything = selected()
    assert everything[-1].destructive


def test_an_unknown_group_is_refused_with_the_known_ones():
    with pytest.raises(SystemExit) as refused:
        selected(["lisst"])
    assert "lisst" in str(refused.value)
    assert "list" in str(refused.value)


def test_a_new_module_registers_by_decorator():
    @workload("dashboard_test", order=65, smoke=False)
    def dashboard(ctx):
        """A dashboard."""
        yield Result(group="", label="dashboard", samples_ms=[1.0])

    try:
        assert [w.name for w in selected(["dashboard_test"])] == [
            "test_bench_smoke.dashboard"
        ]
        assert selected(["dashboard_test"], smoke=True) == []
    finally:
        REGISTRY.pop("test_bench_smoke.dashboard")


def test_statistics_and_ratio():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.5) == 50
    assert percentile(samples, 0.95) == 95
    assert percentile(samples, 0.99) == 99
    result = Result(
        group="list",
        label="list",
        samples_ms=samples,
        baseline="minimal view + raw SQL",
        baseline_ms=10.0,
    )
    data = result.as_dict()
    assert data["median_ms"] == 50.5
    assert data["p95_ms"] == 95
    assert data["ratio"] == 5.05
    job = Result(group="import", label="import", seconds=2.5, peak_rss_mb=120.0)
    assert job.as_dict()["seconds"] == 2.5
    assert job.median_ms == 2500


def test_the_table_has_a_row_per_result():
    info = {
        "scale": "1k",
        "customers": 1000,
        "cpu": "cpu",
        "os": "linux",
        "cpus": 2,
        "mem_gib": 8,
        "database": "postgresql 15",
        "python": "3.11",
        "django": "5.2",
        "psycopg": "3.2",
        "server": "gunicorn",
        "commit": "abc",
    }
    import datetime as dt

    table = render(
        [
            Result(group="list", label="list, salesperson", samples_ms=[1.0, 2.0]),
            Result(group="import", label="import", seconds=1.0),
        ],
        info,
        dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
        150.0,
    )
    assert "| list, salesperson | 2 | 1.5 |" in table
    assert "| import | 1 | 1000.0 |" in table


@pytest.mark.django_db
def test_the_bench_firm_gets_orders_as_the_product_would_make_them():
    """The order seeding (bulk inserts, no services) leaves what the services
    would: a history whose last move is where the order stands, the version counting
    the moves, owner and processor taking part, the customer's running-business flag.
    Seeding again adds only what is missing."""
    from bench import seed
    from django.utils import timezone

    from lenddesk.accounts.models import User
    from lenddesk.orders.models import NodeKind, Order, OrderStatus, Workflow
    from lenddesk.tenancy.context import tenant_context
    from lenddesk.tenancy.models import Tenant

    seed.seed(customers=60, staff=14, departments=2, orders=15)
    tenant = Tenant.objects.get(slug=seed.SLUG)
    assert "orders" in tenant.modules
    with tenant_context(tenant):
        assert Workflow.objects.filter(current__isnull=False).count() == 3
        processors = User.objects.filter(roles__key="processor")
        assert processors.count() == seed.PROCESSORS
        orders = list(
            Order.objects.select_related("customer", "node").prefetch_related(
                "moves", "participants", "lines"
            )
        )
        assert len(orders) == 15
        for order in orders:
            moves = sorted(order.moves.all(), key=lambda m: m.lock_version)
            assert [m.lock_version for m in moves] == list(range(1, len(moves) + 1))
            assert moves[0].kind == "open" and order.lock_version == len(moves)
            assert moves[-1].to_node_id == order.node_id
            assert order.owner_id == order.customer.owner_id
            assert {(p.user_id, p.role_key) for p in order.participants.all()} == {
                (order.owner_id, "salesperson"),
                (order.processor_id, "processor"),
            }
            assert len(order.lines.all()) == 1
            running = order.status == OrderStatus.OPEN
            assert order.customer.has_open_business == running
            assert (order.node.kind == NodeKind.END) == (
                order.status == OrderStatus.COMPLETED
            )
            if order.is_overdue:
                assert running and order.node_due_at < timezone.now()
        numbers = {o.number for o in orders}
    seed.seed(customers=60, staff=14, departments=2, orders=15)
    seed.seed(customers=60, staff=14, departments=2, orders=18)
    with tenant_context(tenant):
        assert Order.objects.count() == 18
        assert numbers < set(Order.objects.values_list("number", flat=True))
