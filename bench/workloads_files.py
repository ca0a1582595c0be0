"""Import of an N-row xlsx end to end (baseline: only parsing it) and a large export."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from bench.registry import workload
from bench.seed import SLUG

HEADERS = ("姓名", "手机号", "城市", "需求金额", "月收入", "备注")
MAPPING = {
    "0": "name",
    "1": "phone",
    "2": "city",
    "3": "demand_amount",
    "4": "monthly_income",
    "5": "credit_notes",
}


def write_xlsx(path: Path, rows: int) -> None:
    """New customers with fresh mobile numbers (a random block of 166/199 numbers,
    never used by the seeder), so the import creates rather than merges."""
    import xlsxwriter

    from lenddesk.customers.demo import CITIES, GIVEN, SURNAMES

    rng = random.Random()
    base = rng.randrange(100_000_000)
    prefix = rng.choice((66, 99))
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for n in range(rows):
        sheet.write_row(
            n + 1,
            0,
            (
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "1%02d%08d" % (prefix, (base + n) % 100_000_000),
                rng.choice(CITIES),
                rng.choice((50_000, 100_000, 200_000, 300_000)),
                rng.choice((6_000, 8_000, 12_000, 20_000)),
                "有公积金" if n % 3 == 0 else "",
            ),
        )
    book.close()


@workload("import", order=60)
def import_xlsx(ctx):
    """An N-row xlsx through upload, mapping and the worker task; baseline: parse only."""
    rows = ctx.scale.import_rows
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench-import.xlsx"
        write_xlsx(path, rows)
        size = path.stat().st_size
        parse = ctx.job(
            "import baseline: parse the %d-row xlsx only" % rows,
            "bench.jobs.parse_file",
            path=str(path),
        )
        result = ctx.job(
            "import %d-row xlsx end to end" % rows,
            "bench.jobs.import_file",
            slug=SLUG,
            path=str(path),
            mapping=MAPPING,
        )
    result.baseline = "parse only"
    result.baseline_ms = parse.median_ms
    result.extra["file_bytes"] = size
    result.extra["note"] = "%s rows/s, %s created" % (
        result.extra.get("rows_per_s"),
        result.extra.get("created"),
    )
    parse.extra["file_bytes"] = size
    yield parse
    yield result


@workload("export", order=70)
def export_xlsx(ctx):
    """About N owned customers (one funnel stage, as the general manager) to xlsx."""
    from django.db.models import Count

    from lenddesk.customers.models import Customer
    from lenddesk.tenancy.context import tenant_context

    target = ctx.scale.export_rows
    with tenant_context(ctx.tenant):
        by_stage = list(
            Customer.objects.filter(owner__isnull=False)
            .values_list("stage_id")
            .annotate(n=Count("id"))
            .order_by("stage_id")
        )
    total = sum(n for _s, n in by_stage)
    if total <= target * 1.3:
        query, expected = "", total
    else:
        stage, expected = min(by_stage, key=lambda s: abs(s[1] - target))
        query = "stage=%d" % stage
    result = ctx.job(
        "export ~%d customers to xlsx (worker task)" % expected,
        "bench.jobs.export_customers",
        slug=SLUG,
        query=query,
    )
    result.extra["query"] = query
    result.extra["note"] = "%s rows/s" % result.extra.get("rows_per_s")
    yield result
