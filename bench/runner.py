"""``python -m bench run``: start the server, run the selected workloads, print JSON
lines and the Markdown table."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.context import Context, Scale, app_database_url
from bench.registry import Result, selected
from bench.seed import SLUG, analyze, log
from bench.server import Server
from lenddesk.cli import web_concurrency


def machine() -> dict:
    import django
    import gunicorn
    import psycopg

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0] if connection.vendor == "postgresql" else ""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "mem_gib": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "gunicorn": gunicorn.__version__,
        "database": "%s %s" % (connection.vendor, pg),
        "server": "gunicorn gthread, %s workers x %s threads" % web_concurrency(),
        "commit": commit,
    }


def _people(tenant):
    from lenddesk.accounts.models import User
    from lenddesk.customers.models import Customer
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(tenant):
        sellers = list(
            User.objects.filter(username__startswith="s", roles__key="salesperson")
            .order_by("pk")
            .distinct()
        )
        seller = sellers[0]
        lead = (
            User.objects.filter(
                roles__key="team_lead", department=seller.department
            ).first()
            or User.objects.filter(roles__key="team_lead").order_by("pk").first()
        )
        users = {
            "salesperson": seller,
            "team_lead": lead,
            "general_manager": User.objects.get(username="gm"),
            "admin": User.objects.get(username="admin"),
            "claimers": sellers[-32:],
        }
        sample = Customer.objects.filter(owner=seller).order_by("-pk").first()
        phone = sample.get_secret("phone") if sample else ""
        total = Customer.objects.count()
    return users, {"customer": sample, "phone": phone, "customers": total}


def run(*, scale: str, only, runs: int, out: str, markdown: str) -> int:
    import logging

    from lenddesk.tenancy.models import Tenant

    logging.getLogger("axes").setLevel(logging.WARNING)
    chosen = Scale.named(scale)
    if runs:
        chosen.runs = runs
    workloads = selected(only, smoke=scale == "1k")
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        raise SystemExit("no benchmark firm: run `python -m bench seed` first")
    analyze()  # earlier runs added rows; autovacuum may be off here
    users, sample = _people(tenant)
    info = machine()
    info.update(scale=scale, customers=sample["customers"])
    started = dt.datetime.now(dt.UTC)
    log(
        "bench: %s, %d customers, workloads: %s"
        % (scale, sample["customers"], ", ".join(w.name for w in workloads))
    )
    env = dict(
        os.environ,
        DATABASE_URL=app_database_url(),
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        API_USER_RATE=os.environ.get("API_USER_RATE", "1000000/min"),
    )
    home = Path(settings.HOME)
    results: list[Result] = []
    failed = 0
    sink = open(out, "a") if out else None  # noqa: SIM115 - closed below

    def emit(result: Result) -> None:
        line = dict(result.as_dict(), machine=info, at=started.isoformat())
        text = json.dumps(line, ensure_ascii=False, default=str)
        log(text)
        if sink:
            sink.write(text + "\n")
            sink.flush()
        results.append(result)

    try:
        with Server(env, str(home / "bench-gunicorn.log")) as server:
            ctx = Context(
                scale=chosen,
                server=server,
                tenant=tenant,
                users=users,
                sample=sample,
                log=log,
            )
            emit(ctx.minimal_view())
            for w in workloads:
                log("== %s (%s)" % (w.name, w.group))
                began = time.monotonic()
                try:
                    produced = w.func(ctx) or []
                    for result in produced:
                        result.group = result.group or w.group
                        emit(result)
                except Exception as exc:
                    failed += 1
                    traceback.print_exc()
                    emit(
                        Result(
                            group=w.group,
                            label="%s FAILED" % w.name,
                            extra={"error": repr(exc)[:500]},
                        )
                    )
                log("   %.1f s" % (time.monotonic() - began))
            server_rss = server.rss_mb()
    finally:
        if sink:
            sink.close()
    table = render(results, info, started, server_rss)
    sys.stdout.write("\n" + table)
    if markdown:
        Path(markdown).write_text(table)
    return 1 if failed else 0


def _fmt(value, digits=1) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return "%.*f" % (digits, value)
    return str(value)


def render(results, info, started, server_rss) -> str:
    lines = [
        "%s UTC, scale %s, %d customers in one firm; %s (%s CPUs, %s GiB), %s; "
        "Python %s, Django %s, psycopg %s, %s; commit %s."
        % (
            started.strftime("%Y-%m-%d %H:%M"),
            info["scale"],
            info["customers"],
            info["cpu"] or info["os"],
            info["cpus"],
            info["mem_gib"],
            info["database"],
            info["python"],
            info["django"],
            info["psycopg"],
            info["server"],
            info["commit"],
        ),
        "",
        "| workload | runs | median ms | p95 ms | p99 ms | server median ms | "
        "raw SQL ms (queries) | baseline ms | ratio | server / SQL | peak RSS MB | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        d = r.as_dict()
        sql = ""
        if "raw_sql_ms" in d:
            sql = "%.2f (%s)" % (d["raw_sql_ms"], d.get("queries", ""))
        lines.append(
            "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
            % (
                d["workload"],
                d.get("runs", 1 if "seconds" in d else ""),
                _fmt(d.get("median_ms", d.get("seconds", 0) * 1000)),
                _fmt(d.get("p95_ms")),
                _fmt(d.get("p99_ms")),
                _fmt(d.get("server_median_ms")),
                sql,
                _fmt(d.get("baseline_ms"), 2),
                ("%.1f×" % d["ratio"]) if d.get("ratio") else "",
                ("%s×" % d["server_to_sql"]) if d.get("server_to_sql") else "",
                _fmt(d.get("peak_rss_mb"), 0),
                d.get("note", d.get("error", "")),
            )
        )
    lines.append("")
    lines.append(
        "ratio = median / baseline (minimal view + raw SQL of the same SELECTs for "
        "reads; parse-only time for import). Server worker RSS at the end: %.0f MB."
        % server_rss
    )
    return "\n".join(lines) + "\n"
