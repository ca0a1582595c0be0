"""The export worker's side: the workbook itself (masked unless full numbers were
granted, formula cells neutralised, watermarked), stored encrypted for its requester,
read back for the download, and audited with the filter, row count and SHA-256.
``exports`` decides whether an export may run now or waits for approval;
``tasks.export_run_task`` runs ``export_run`` here."""

from __future__ import annotations

import base64
import hashlib
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import ExportApproval, ExportJob, ImportStatus
from lenddesk.customers.selectors import (
    CustomerFilters,
    customers_filtered,
    filters_from,
)
from lenddesk.security.crypto import decrypt, encrypt
from lenddesk.security.text import neutralise_formula

COLUMNS = (
    ("name", _("Name")),
    ("phone", _("Mobile phone")),
    ("city", _("City")),
    ("demand_amount", _("Amount wanted")),
    ("rating", _("Intent rating")),
    ("stage", _("Stage")),
    ("owner", _("Owner")),
    ("channel", _("Channel")),
    ("created_at", _("Created at")),
)


def export_queryset(actor: User, filters: CustomerFilters):
    """Exactly the customers the list shows for these filters, newest first."""
    return (
        customers_filtered(actor, filters)
        .select_related("owner", "stage")
        .order_by("-pk")
    )


def export_run(*, job_id: int):
    """The worker's part: the same workbook, stored encrypted for its requester."""
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == ImportStatus.COMPLETED or job.approval not in (
        ExportApproval.NOT_NEEDED,
        ExportApproval.APPROVED,
    ):
        return job
    filters = filters_from(QueryDict(job.query))
    handle, rows, digest = write_workbook(
        job.created_by, export_queryset(job.created_by, filters), job.full_numbers
    )
    stored = uuid.uuid4().hex
    with open(handle.name, "rb") as written:
        data = written.read()
    handle.close()
    blob = encrypt(
        base64.b64encode(data).decode(), aad="%d|export|%s" % (job.tenant_id, stored)
    )
    (export_folder() / stored).write_bytes(blob)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.COMPLETED,
        rows=rows,
        stored_name=stored,
        sha256=digest,
        finished_at=timezone.now(),
    )
    audit_export(job.created_by, filters, rows, job.full_numbers, digest, job.purpose)
    job.refresh_from_db()
    return job


def export_file(*, actor: User, job) -> bytes:
    blob = (export_folder() / job.stored_name).read_bytes()
    data = base64.b64decode(
        decrypt(blob, aad="%d|export|%s" % (job.tenant_id, job.stored_name))
    )
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMERS_EXPORTED,
        target=job,
        changes={"downloaded": job.pk, "sha256": job.sha256},
    )
    return data


def export_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "private" / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_workbook(actor: User, customers, full_numbers: bool):
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to the caller
    book = xlsxwriter.Workbook(
        handle.name,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    watermark = _("Exported by %(user)s at %(time)s — confidential") % {
        "user": actor.username,
        "time": stamp,
    }
    book.set_properties(
        {"title": watermark, "author": actor.username, "company": actor.tenant.name}
    )
    sheet = book.add_worksheet(_("Customers")[:31])
    sheet.set_header("&C" + watermark.replace("&", "&&"))
    sheet.write_string(0, 0, watermark)
    money = book.add_format({"num_format": "#,##0.00"})
    for col, (_key, label) in enumerate(COLUMNS):
        sheet.write_string(1, col, str(label))
    row = 2
    for customer in customers.iterator(chunk_size=1000):
        phone = (
            customer.get_secret("phone") if full_numbers else customer.masked("phone")
        )
        values = {
            "name": customer.name,
            "phone": phone or "",
            "city": customer.city,
            "demand_amount": customer.demand_amount,
            "rating": customer.rating,
            "stage": str(customer.stage or ""),
            "owner": str(customer.owner or ""),
            "channel": customer.channel,
            "created_at": timezone.localtime(customer.created_at).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }
        for col, (key, _label) in enumerate(COLUMNS):
            _write_cell(sheet, row, col, values[key], money)
        row += 1
    book.close()
    with open(handle.name, "rb") as written:
        digest = hashlib.sha256(written.read()).hexdigest()
    return handle, row - 2, digest


def _write_cell(sheet, row: int, col: int, value, money) -> None:
    """Amounts as numbers Excel can sum; any text neutralised against formulas."""
    if isinstance(value, Decimal):
        # An XLSX number is an IEEE double: amounts up to 15 digits keep every cent.
        sheet.write_number(row, col, float(value), money)
    else:
        sheet.write_string(row, col, neutralise_formula(value or ""))


def audit_export(actor, filters, rows, full_numbers, digest, purpose) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMERS_EXPORTED,
        object_type="customers.customer",
        changes={
            "filter": {
                "q": bool(filters.q),
                "stage": filters.stage,
                "rating": filters.rating,
            },
            "rows": rows,
            "fields": [k for k, _l in COLUMNS],
            "full_numbers": full_numbers,
            "sha256": digest,
        },
        purpose=purpose[:200],
    )
