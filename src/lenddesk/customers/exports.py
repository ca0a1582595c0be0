"""Export of customers to Excel: permission-gated, masked unless the person may reveal
and asks for full numbers with a purpose, formula cells neutralised, watermarked,
audited with the filter, row count and the file's SHA-256."""

from __future__ import annotations

import hashlib
import tempfile
from decimal import Decimal

import xlsxwriter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.accounts.selectors import people_with_code
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.errors import CustomerError
from lenddesk.customers.models import (
    ExportApproval,
    ExportJob,
    ImportStatus,
)
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.selectors import CustomerFilters, customers_filtered
from lenddesk.notifications.services import notify
from lenddesk.security.crypto import decrypt, encrypt
from lenddesk.security.text import neutralise_formula

MAX_SYNC_ROWS = 10_000
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


class ExportQueued(Exception):
    """Too many rows for a direct download: a worker makes the file."""

    def __init__(self, job):
        super().__init__("export %s queued" % job.pk)
        self.job = job


def _check_full_numbers(actor: User, full_numbers: bool, purpose: str) -> None:
    if full_numbers:
        if not actor.has_code(P.REVEAL_PHONE):
            raise ValidationError(
                {"full_numbers": _("Your role may not export full phone numbers.")}
            )
        if len(purpose.strip()) < 2:
            raise ValidationError({"purpose": _("Say why full numbers are needed.")})


def customers_export(
    *,
    actor: User,
    filters: CustomerFilters,
    full_numbers: bool,
    purpose: str = "",
    query: str = "",
):
    """Small sets: write the workbook now and return (file, filename, rows). Larger
    sets: queue an ExportJob and raise ExportQueued."""
    _check_full_numbers(actor, full_numbers, purpose)
    customers = export_queryset(actor, filters)
    count = customers.count()
    if count > MAX_SYNC_ROWS:
        raise ExportQueued(
            export_request(
                actor=actor,
                query=query,
                full_numbers=full_numbers,
                purpose=purpose,
                rows=count,
            )
        )
    handle, rows, digest = _write(actor, customers, full_numbers)
    with transaction.atomic():
        _record_direct(actor, query, rows, full_numbers, digest, purpose)
        _audit(actor, filters, rows, full_numbers, digest, purpose)
    return (
        handle,
        "customers-%s.xlsx" % timezone.localtime().strftime("%Y%m%d-%H%M"),
        rows,
    )


def _record_direct(actor, query, rows, full_numbers, digest, purpose) -> ExportJob:
    """A direct download is listed under 我的导出 like a worker's export, with its row
    count and hash; the file itself is not kept (it went to the browser)."""
    return ExportJob.objects.create(
        created_by=actor,
        query=query[:500],
        full_numbers=full_numbers,
        purpose=purpose[:200],
        status=ImportStatus.COMPLETED,
        rows=rows,
        estimated_rows=rows,
        sha256=digest,
        finished_at=timezone.now(),
    )


@transaction.atomic
def export_request(
    *, actor: User, query: str, full_numbers: bool, purpose: str, rows: int
) -> ExportJob:
    """A large export waits for someone else with the approval right (four eyes); the
    approvers are notified. Nothing is written until it is approved."""
    job = ExportJob.objects.create(
        created_by=actor,
        query=query[:500],
        full_numbers=full_numbers,
        purpose=purpose[:200],
        estimated_rows=rows,
        approval=ExportApproval.PENDING,
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT_REQUESTED,
        target=job,
        changes={"query": job.query, "rows": rows, "full_numbers": full_numbers},
        purpose=purpose[:200],
    )
    notify(
        recipients=people_with_code(P.EXPORT_APPROVE, exclude=actor),
        kind="customers.export_approval",
        title=_("%(user)s asks to export %(rows)d customers")
        % {"user": actor.display_name or actor.username, "rows": rows},
        body=purpose,
        url=reverse("customers:export_approvals"),
        target=job,
    )
    return job


@transaction.atomic
def export_decide(
    *, actor: User, job: ExportJob, approve: bool, note: str = ""
) -> ExportJob:
    """Approve (the worker then makes the file) or reject a pending large export. Only
    once, and never one's own request."""
    if job.created_by_id == actor.pk:
        raise ValidationError(
            {"approval": _("Someone else must approve your own export.")},
            code=CustomerError.EXPORT_SELF_APPROVAL,
        )
    if not approve and len(note.strip()) < 2:
        raise ValidationError({"note": _("Say why the export is rejected.")})
    decided = ExportJob.objects.filter(
        pk=job.pk, approval=ExportApproval.PENDING
    ).update(
        approval=ExportApproval.APPROVED if approve else ExportApproval.REJECTED,
        status=ImportStatus.QUEUED if approve else ImportStatus.FAILED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=note[:200],
    )
    if not decided:
        raise ValidationError(
            {"approval": _("This export has already been decided.")},
            code=CustomerError.EXPORT_ALREADY_DECIDED,
        )
    job.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT_APPROVED if approve else AuditAction.EXPORT_REJECTED,
        target=job,
        changes={"requested_by": job.created_by_id, "rows": job.estimated_rows},
        reason=note[:200],
    )
    if approve:
        tenant_id = job.tenant_id
        transaction.on_commit(lambda: _enqueue(tenant_id, job.pk))
    notify(
        recipients=[job.created_by],
        kind="customers.export_decided",
        title=_("Your export of %d customers was approved") % job.estimated_rows
        if approve
        else _("Your export of %d customers was rejected") % job.estimated_rows,
        body=note,
        url=reverse("customers:exports"),
        target=job,
    )
    return job


def _enqueue(tenant_id: int, job_id: int) -> None:
    from lenddesk.customers.tasks import export_run

    export_run.delay(tenant_id=tenant_id, job_id=job_id)


def export_run(*, job_id: int):
    """The worker's part: the same workbook, stored encrypted for its requester."""
    import base64
    import uuid

    from django.http import QueryDict

    from lenddesk.customers.selectors import filters_from

    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == ImportStatus.COMPLETED or job.approval not in (
        ExportApproval.NOT_NEEDED,
        ExportApproval.APPROVED,
    ):
        return job
    filters = filters_from(QueryDict(job.query))
    handle, rows, digest = _write(
        job.created_by, export_queryset(job.created_by, filters), job.full_numbers
    )
    stored = uuid.uuid4().hex
    with open(handle.name, "rb") as written:
        data = written.read()
    handle.close()
    blob = encrypt(
        base64.b64encode(data).decode(), aad="%d|export|%s" % (job.tenant_id, stored)
    )
    (_folder() / stored).write_bytes(blob)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.COMPLETED,
        rows=rows,
        stored_name=stored,
        sha256=digest,
        finished_at=timezone.now(),
    )
    _audit(job.created_by, filters, rows, job.full_numbers, digest, job.purpose)
    job.refresh_from_db()
    return job


def export_file(*, actor: User, job) -> bytes:
    import base64

    blob = (_folder() / job.stored_name).read_bytes()
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


def _folder():
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "private" / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(actor: User, customers, full_numbers: bool):
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


def _audit(actor, filters, rows, full_numbers, digest, purpose) -> None:
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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str):
    """A workbook as a download the browser never renders or caches."""
    from django.http import HttpResponse

    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=%s" % filename
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
