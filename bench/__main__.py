"""LendDesk benchmarks (see docs/performance.md and bench/registry.py).

    python -m bench seed --scale 1m            # or --customers N [--staff S]
    python -m bench run --scale 1m             # every workload
    python -m bench run --scale 1k --only list,search
    python -m bench list                       # the registered workloads
    python -m bench explain|profile --role team_lead /api/v1/customers/

Runs against ``DATABASE_URL`` (PostgreSQL for real numbers) as the table owner for
set-up; the gunicorn server, the raw-SQL baseline and the jobs use the application
role. Results: one JSON line per workload (stdout and ``--out``) and a Markdown table.
"""

import argparse
import json
import os
import sys
import time


def main() -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="command", required=True)
    seeding = sub.add_parser("seed", help="build the benchmark firm")
    seeding.add_argument("--scale", default="", help="1k, 10k, 100k or 1m")
    seeding.add_argument("--customers", type=int, default=0)
    seeding.add_argument("--staff", type=int, default=200)
    seeding.add_argument("--departments", type=int, default=10)
    running = sub.add_parser("run", help="measure the workloads")
    running.add_argument("--scale", default="100k", help="1k, 10k, 100k or 1m")
    running.add_argument("--only", default="", help="comma list of groups")
    running.add_argument("--runs", type=int, default=0, help="timed runs per workload")
    running.add_argument("--out", default="", help="also append JSON lines here")
    running.add_argument("--markdown", default="", help="also write the table here")
    sub.add_parser("list", help="the registered workloads")
    for name in ("explain", "profile"):
        diag = sub.add_parser(name, help="diagnose one request (bench/diagnose.py)")
        diag.add_argument("path")
        diag.add_argument("--role", default="salesperson")
        diag.add_argument("--session", action="store_true")
        if name == "profile":
            diag.add_argument("--runs", type=int, default=20)
    job = sub.add_parser("job", help="(internal) one measured job in this process")
    job.add_argument("target")
    job.add_argument("kwargs")
    args = parser.parse_args()

    import django

    django.setup()
    if args.command == "seed":
        from bench import seed
        from bench.context import Scale

        customers = args.customers or (
            Scale.named(args.scale).customers if args.scale else 100_000
        )
        staff = args.staff
        seed.seed(customers=customers, staff=staff, departments=args.departments)
    elif args.command == "run":
        from bench import runner

        return runner.run(
            scale=args.scale,
            only=args.only.split(","),
            runs=args.runs,
            out=args.out,
            markdown=args.markdown,
        )
    elif args.command == "list":
        from bench.registry import selected

        for w in selected():
            sys.stdout.write(
                "%-10s %-40s %s%s\n"
                % (w.group, w.name, w.doc, " (destructive)" if w.destructive else "")
            )
    elif args.command == "explain":
        from bench.diagnose import explain

        explain(role=args.role, path=args.path, session=args.session)
    elif args.command == "profile":
        from bench.diagnose import profile

        profile(role=args.role, path=args.path, runs=args.runs, session=args.session)
    else:
        return _job(args.target, json.loads(args.kwargs))
    return 0


def _job(target: str, kwargs: dict) -> int:
    import importlib

    module, _sep, name = target.rpartition(".")
    func = getattr(importlib.import_module(module), name)
    started = time.perf_counter()
    result = func(**kwargs) or {}
    result.setdefault("seconds", time.perf_counter() - started)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
    from bench.server import _status_kb

    result["peak_rss_mb"] = _status_kb(os.getpid(), "VmHWM") / 1024
    sys.stdout.write("BENCH-RESULT %s\n" % json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
