"""Bodies of the measured jobs; each runs in its own process (``Context.job``) as the
application role with the product's background tasks run in that process, and returns
a dict for the JSON line (``seconds`` and ``peak_rss_mb`` are added)."""

from __future__ import annotations

import time
from pathlib import Path


def _tenant(slug: str):
    from lenddesk.tenancy.models import Tenant

    return Tenant.objects.get(slug=slug)


def parse_file(*, path: str, kind: str = "xlsx") -> dict:
    """The import's baseline: only read every row of the file (the product's reader)."""
    from lenddesk.customers.imports import read_rows

    started = time.perf_counter()
    data = Path(path).read_bytes()
    rows = sum(1 for _row in read_rows(data, kind)) - 1
    return {"rows": rows, "seconds": time.perf_counter() - started}


def import_file(
    *, slug: str, path: str, mapping: dict, username: str = "admin"
) -> dict:
    """Upload (checks, header, row count, encrypted storage), configure, and the worker
    task that imports every row: the product's whole import pipeline."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lenddesk.accounts.models import User
    from lenddesk.customers import import_start, imports
    from lenddesk.customers.models import ImportJob
    from lenddesk.tenancy.context import tenant_context

    tenant = _tenant(slug)
    started = time.perf_counter()
    data = Path(path).read_bytes()
    with tenant_context(tenant):
        actor = User.objects.get(username=username)
        job = imports.import_upload(
            actor=actor, upload=SimpleUploadedFile(Path(path).name, data)
        )
    uploaded = time.perf_counter()
    del data
    with tenant_context(tenant):
        # on commit the task runs here (CELERY_TASK_ALWAYS_EAGER in bench settings)
        import_start.import_configure(
            actor=actor,
            job=job,
            mapping=mapping,
            duplicate_policy="merge",
            assignment="pool",
        )
    finished = time.perf_counter()
    with tenant_context(tenant):
        job = ImportJob.objects.get(pk=job.pk)
    rows = job.total_rows
    return {
        "rows": rows,
        "status": job.status,
        "created": job.created_count,
        "upload_s": round(uploaded - started, 2),
        "run_s": round(finished - uploaded, 2),
        "rows_per_s": round(rows / (finished - started)),
        "seconds": finished - started,
        **{
            k: getattr(job, k)
            for k in ("merged_count", "error_count", "duplicate_count")
            if hasattr(job, k)
        },
    }


def export_customers(*, slug: str, query: str, username: str = "gm") -> dict:
    """A large export the way the product makes it: the request (approved by the firm
    admin where approval is required) and the worker task that writes the workbook."""
    from lenddesk.accounts.models import User
    from lenddesk.customers import exports
    from lenddesk.customers.models import ExportJob
    from lenddesk.tenancy.context import tenant_context

    tenant = _tenant(slug)
    started = time.perf_counter()
    with tenant_context(tenant):
        actor = User.objects.get(username=username)
        if hasattr(exports, "export_request"):
            job = exports.export_request(
                actor=actor, query=query, full_numbers=False, purpose="bench", rows=0
            )
        else:
            job = exports.export_enqueue(
                actor=actor, query=query, full_numbers=False, purpose="bench"
            )
    if hasattr(exports, "export_decide"):
        with tenant_context(tenant):
            approver = User.objects.get(username="admin")
            exports.export_decide(actor=approver, job=job, approve=True)
    finished = time.perf_counter()
    with tenant_context(tenant):
        job = ExportJob.objects.get(pk=job.pk)
        size = (exports._folder() / job.stored_name).stat().st_size
    return {
        "rows": job.rows,
        "status": job.status,
        "rows_per_s": round(job.rows / (finished - started)),
        "stored_bytes": size,
        "seconds": finished - started,
    }


def reclaim(*, slug: str) -> dict:
    """The nightly pool return for one firm (the scheduler's per-firm task body)."""
    from lenddesk.customers.tasks import _reclaim_for

    tenant = _tenant(slug)
    started = time.perf_counter()
    returned = _reclaim_for(tenant_id=tenant.pk)
    return {"returned": returned, "seconds": time.perf_counter() - started}
