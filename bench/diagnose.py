"""Where a slow request spends its time, without a server:

    python -m bench explain --role team_lead /api/v1/customers/
        every SELECT the request runs, with EXPLAIN (ANALYZE, BUFFERS) as the
        application role under the firm's tenant setting
    python -m bench profile --role salesperson /api/v1/customers/?q=zw [--runs 20]
        pyinstrument over N in-process requests (after one warm-up)

Roles: salesperson, team_lead, general_manager, admin. Add ``--session`` for pages.
"""

from __future__ import annotations

import sys

from bench.context import Context, Scale, app_database_url
from bench.seed import SLUG


def _context(session: bool):
    from bench.runner import _people
    from lenddesk.tenancy.models import Tenant

    tenant = Tenant.objects.get(slug=SLUG)
    users, sample = _people(tenant)
    return Context(
        scale=Scale.named("1k"),
        server=None,
        tenant=tenant,
        users=users,
        sample=sample,
        log=print,
    )


def explain(*, role: str, path: str, session: bool = False) -> None:
    import psycopg

    ctx = _context(session)
    statements = ctx.capture("GET", path, user=ctx.users[role], session=session)
    with psycopg.connect(app_database_url()) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true)", [str(ctx.tenant.pk)]
        )
        for sql, params in statements:
            sys.stdout.write("\n-- %s\n-- params %r\n" % (sql, params))
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            for (line,) in cursor.fetchall():
                sys.stdout.write("   %s\n" % line)


def profile(*, role: str, path: str, runs: int = 20, session: bool = False) -> None:
    from django.test import Client
    from pyinstrument import Profiler

    ctx = _context(session)
    headers = ctx.headers_for(ctx.users[role], session=session)
    client = Client()
    extra = {}
    if "Authorization" in headers:
        extra["HTTP_AUTHORIZATION"] = headers["Authorization"]
    else:
        name, _sep, value = headers["Cookie"].partition("=")
        client.cookies[name] = value
    client.get(path, **extra)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(runs):
        client.get(path, **extra)
    profiler.stop()
    sys.stdout.write(profiler.output_text(unicode=True, color=False, show_all=False))
