"""The workload registry: how a benchmark is declared, found and run.

Adding a workload (later issues: ``intake``, ``match``, ``dashboard``, ``commission``)
means writing one module, ``bench/workloads_<name>.py``, with decorated functions. The
runner imports every ``bench/workloads_*.py`` module it finds, so nothing else changes::

    # bench/workloads_dashboard.py
    from bench.registry import workload


    @workload("dashboard", order=60)
    def dashboard_home(ctx):
        \"\"\"The dashboard of a team lead and a general manager, first paint.\"\"\"
        for role in ("team_lead", "general_manager"):
            yield ctx.http(
                "dashboard, %s" % role.replace("_", " "),
                "GET",
                "/api/v1/dashboard/",  # or an HTML page: session=True
                user=ctx.users[role],
            )

``@workload(group, order=…, destructive=False, smoke=True)``

- ``group`` is what ``--only`` selects (``--only dashboard,list``); several functions
  may share a group.
- ``order`` sorts the run (reads 10–40, writes 50–80, destructive jobs 90+): the data
  changes a write makes must not slow down or speed up a later read.
- ``destructive=True`` marks a workload that changes much of the data set (e.g. the
  pool return); it runs last.
- ``smoke=False`` leaves it out of the ``--scale 1k`` CI smoke run. The whole smoke
  (migrate, seed, every workload) should stay around a minute: size your set-up from
  ``ctx.scale`` (``ctx.scale.name == "1k"`` → a few rows, ``ctx.scale.runs`` runs).

The function receives a :class:`bench.context.Context` and returns or yields
:class:`Result` objects; each one becomes a JSON line and a table row. The context
gives what a workload needs without touching product code:

- ``ctx.tenant``, ``ctx.users`` (``salesperson``, ``team_lead``, ``general_manager``,
  ``admin``, ``claimers`` — a list), ``ctx.scale`` (customer count, runs, warm-up,
  import/export rows) and ``ctx.sample`` (a customer of the salesperson, its phone).
- ``ctx.http(label, method, path, user=…, data=None, session=False, sql=True)``:
  warm-up, then ``scale.runs`` timed requests to the gunicorn server (bearer token, or a
  logged-in session cookie with ``session=True``), median/p95/p99 of client and server
  time, the server's peak RSS, and the baselines: the same request's SELECTs replayed
  through psycopg without the ORM (``sql=True``; captured in-process, replayed as the
  application role under the same ``app.tenant_id``) and the minimal Django view.
- ``ctx.in_process(label, fn, runs=None)`` times a callable in this process (for code
  that has no URL); ``ctx.job(label, target, **kwargs)`` runs ``target`` (a dotted
  path to a function taking keyword arguments and returning a dict) in a fresh
  process with the bench settings, and reports its wall time and peak RSS.
- ``ctx.sql(label, statements)`` times raw SQL as the application role.
- ``ctx.log(message)`` prints progress.

A ``Result`` needs ``group`` and ``label``; fill ``samples_ms`` (a list) for timed
repetitions, or ``seconds`` for one long job; anything else goes into ``extra`` and ends
up in the JSON line. ``baseline_ms`` plus ``baseline`` (what it is) give the ratio.
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class Workload:
    group: str
    name: str
    func: Callable
    order: int = 50
    destructive: bool = False
    smoke: bool = True
    doc: str = ""


REGISTRY: dict[str, Workload] = {}


def workload(
    group: str, *, order: int = 50, destructive: bool = False, smoke: bool = True
):
    """Register ``func(ctx)`` under ``group`` (see the module docstring)."""

    def decorate(func: Callable) -> Callable:
        name = "%s.%s" % (func.__module__.rsplit(".", 1)[-1], func.__name__)
        REGISTRY[name] = Workload(
            group=group,
            name=name,
            func=func,
            order=order + (1000 if destructive else 0),
            destructive=destructive,
            smoke=smoke,
            doc=(func.__doc__ or "").strip().split("\n")[0],
        )
        return func

    return decorate


def discover() -> dict[str, Workload]:
    """Import every ``bench/workloads*.py`` module; their decorators fill the registry."""
    import bench

    for module in pkgutil.iter_modules(bench.__path__):
        if module.name.startswith("workloads"):
            importlib.import_module("bench.%s" % module.name)
    return REGISTRY


def selected(only: Iterable[str] = (), *, smoke: bool = False) -> list[Workload]:
    wanted = {w.strip() for w in only if w.strip()}
    known = {w.group for w in discover().values()}
    unknown = wanted - known
    if unknown:
        raise SystemExit(
            "unknown workload(s): %s (known: %s)"
            % (", ".join(sorted(unknown)), ", ".join(sorted(known)))
        )
    chosen = [
        w
        for w in REGISTRY.values()
        if (not wanted or w.group in wanted) and (w.smoke or not smoke)
    ]
    return sorted(chosen, key=lambda w: (w.order, w.name))


def percentile(sorted_samples: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_samples:
        return float("nan")
    rank = max(0, min(len(sorted_samples) - 1, round(q * len(sorted_samples)) - 1))
    return sorted_samples[rank]


@dataclass
class Result:
    group: str
    label: str
    samples_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    seconds: float | None = None
    baseline: str = ""
    baseline_ms: float | None = None
    peak_rss_mb: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def median_ms(self) -> float:
        if self.samples_ms:
            return statistics.median(self.samples_ms)
        return (self.seconds or 0) * 1000

    @property
    def ratio(self) -> float | None:
        if self.baseline_ms:
            return self.median_ms / self.baseline_ms
        return None

    def as_dict(self) -> dict:
        data: dict = {"group": self.group, "workload": self.label}
        if self.samples_ms:
            s = sorted(self.samples_ms)
            data.update(
                runs=len(s),
                median_ms=round(statistics.median(s), 2),
                p95_ms=round(percentile(s, 0.95), 2),
                p99_ms=round(percentile(s, 0.99), 2),
                min_ms=round(s[0], 2),
                max_ms=round(s[-1], 2),
            )
        if self.server_ms:
            s = sorted(self.server_ms)
            data.update(
                server_median_ms=round(statistics.median(s), 2),
                server_p95_ms=round(percentile(s, 0.95), 2),
                server_p99_ms=round(percentile(s, 0.99), 2),
            )
        if self.seconds is not None:
            data["seconds"] = round(self.seconds, 4)
        if self.baseline_ms is not None:
            data["baseline"] = self.baseline
            data["baseline_ms"] = round(self.baseline_ms, 3)
            data["ratio"] = round(self.ratio, 2) if self.ratio is not None else None
        if self.peak_rss_mb is not None:
            data["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        data.update(self.extra)
        return data
