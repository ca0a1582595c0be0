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
    } <= groups


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
