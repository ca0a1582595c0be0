"""Export of customers to Excel: permission-gated, masked unless the person may reveal
and asks for full numbers with a purpose. Small sets are written now; large ones wait
for a manager's approval and then for the worker (``export_files`` writes, stores and
audits the workbook)."""

from __future__ import annotations

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
from lenddesk.customers.export_files import (
    audit_export,
    export_folder,
    export_queryset,
    write_workbook,
)
from lenddesk.customers.models import (
    ExportApproval,
    ExportJob,
    ImportStatus,
)
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.selectors import CustomerFilters
from lenddesk.customers.tasks import export_run_task
from lenddesk.notifications.services import notify

MAX_SYNC_ROWS = 10_000

# The worker's folder under its old name, for ``bench.jobs`` (outside this app).
_folder = export_folder


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
    handle, rows, digest = write_workbook(actor, customers, full_numbers)
    with transaction.atomic():
        _record_direct(actor, query, rows, full_numbers, digest, purpose)
        audit_export(actor, filters, rows, full_numbers, digest, purpose)
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
    export_run_task.delay(tenant_id=tenant_id, job_id=job_id)
