"""Excel/CSV import of customers: upload, column mapping, background processing that
resumes after a crash, and a row-level error report.

Reading the file safely and keeping it encrypted is ``import_files``'s job; each row
becomes a customer through the one lead pipeline (``customers.leads``), a batch at a
time; ``import_start`` hands a configured job to the worker (``tasks`` imports this
module, so this one enqueues nothing).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import uuid
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Department, User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.import_files import (
    MAX_BYTES,
    MAX_CELL,
    check_xlsx,
    load_file,
    read_rows,
    scan,
    store_file,
)
from lenddesk.customers.leads import (
    Blank,
    Lead,
    LeadRun,
    Outcome,
    leads_take,
    name_keys,
)
from lenddesk.customers.models import (
    AllocationRule,
    DuplicatePolicy,
    ImportJob,
    ImportRow,
    ImportStatus,
)
from lenddesk.security.text import neutralise_formula
from lenddesk.tenancy.bulk import bulk_insert
from lenddesk.tenancy.context import require_current_tenant, tenant_context
from lenddesk.web.params import int_or_none

# Names other modules and the tests read here.
__all__ = ["MAX_BYTES", "MAX_CELL", "load_file", "name_keys", "read_rows"]

# Rows per committed batch. Per-batch work (duplicate lookups, allocation, audit entry,
# progress) is a fixed dozen queries, so larger batches amortise it; a killed worker
# redoes at most one batch. LENDDESK_IMPORT_BATCH overrides it (the kill -9 test uses
# small batches to stop a worker between many commits).
BATCH = int(os.environ.get("LENDDESK_IMPORT_BATCH", "1000"))

# Field → header spellings we recognise (lower-cased, spaces removed).
FIELDS = {
    "name": ("姓名", "客户姓名", "名字", "name", "客户"),
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "phone", "mobile"),
    "id_number": ("身份证", "身份证号", "身份证号码", "证件号", "idnumber", "id"),
    "city": ("城市", "所在城市", "city"),
    "demand_amount": ("需求金额", "金额", "贷款金额", "amount"),
    "demand_term_months": ("期限", "贷款期限", "期数", "term"),
    "demand_purpose": ("用途", "贷款用途", "purpose"),
    "monthly_income": ("月收入", "收入", "income"),
    "channel": ("渠道", "来源", "channel", "source"),
    "rating": ("意向", "意向等级", "等级", "rating"),
    "credit_notes": ("备注", "征信", "notes"),
}
FIELD_LABELS = {
    "name": _("Name"),
    "phone": _("Mobile phone"),
    "id_number": _("National ID number"),
    "city": _("City"),
    "demand_amount": _("Amount wanted"),
    "demand_term_months": _("Term (months)"),
    "demand_purpose": _("Purpose of the loan"),
    "monthly_income": _("Monthly income"),
    "channel": _("Channel"),
    "rating": _("Intent rating"),
    "credit_notes": _("Notes"),
}


def auto_mapping(headers: list[str]) -> dict[str, str]:
    mapping = {}
    for index, header in enumerate(headers):
        key = header.replace(" ", "").lower()
        for field, spellings in FIELDS.items():
            if key in spellings and field not in mapping.values():
                mapping[str(index)] = field
                break
    return mapping


@transaction.atomic
def import_upload(*, actor: User, upload) -> ImportJob:
    """Check and store the file, read its header and size; nothing is imported yet."""
    name = upload.name or "upload"
    kind = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind not in ("xlsx", "csv"):
        raise ValidationError({"file": _("Upload an .xlsx or .csv file.")})
    if upload.size > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    data = upload.read()
    if kind == "xlsx":
        check_xlsx(data)
    headers, total = scan(data, kind)
    stored = uuid.uuid4().hex
    store_file(data, require_current_tenant().pk, stored)
    job = ImportJob.objects.create(
        created_by=actor,
        filename=name[:200],
        stored_name=stored,
        file_kind=kind,
        headers=headers[:100],
        total_rows=total,
        mapping=auto_mapping(headers),
    )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT_UPLOADED,
        target=job,
        changes={"rows": total, "file": name[:200]},
    )
    return job


def team_rule(department: Department) -> AllocationRule:
    """A hidden round-robin rule over a team, used by imports (kept for the report)."""
    rule, _created = AllocationRule.objects.get_or_create(
        department=department,
        channel="",
        city="",
        is_active=False,
        name=_("Import round-robin: %s") % department.name,
    )
    return rule


@transaction.atomic
def import_job_configure(
    *,
    actor: User,
    job: ImportJob,
    mapping: dict[str, str],
    duplicate_policy: str,
    assignment: str,
) -> ImportJob:
    if job.status != ImportStatus.UPLOADED:
        raise ValidationError(_("This import has already started."))
    mapped = set(mapping.values()) - {""}
    if "name" not in mapped or not mapped & {"phone", "id_number"}:
        raise ValidationError(
            {"mapping": _("Map at least the name and the phone or ID number columns.")}
        )
    unknown = mapped - set(FIELDS)
    if unknown:
        raise ValidationError(
            {"mapping": _("Unknown field(s): %s") % ", ".join(sorted(unknown))}
        )
    if duplicate_policy not in DuplicatePolicy.values:
        raise ValidationError(
            {"duplicate_policy": _("Choose what to do with duplicates.")}
        )
    kind, _sep, ref = assignment.partition(":")
    if kind == "team":
        department_id = int_or_none(ref)
        department = (
            Department.objects.filter(pk=department_id).first()
            if department_id
            else None
        )
        if department is None:
            raise ValidationError({"assignment": _("Choose a team.")})
    elif kind not in ("pool", "me"):
        raise ValidationError({"assignment": _("Choose where the customers go.")})
    ImportJob.objects.filter(pk=job.pk).update(
        mapping={k: v for k, v in mapping.items() if v},
        duplicate_policy=duplicate_policy,
        assignment=assignment,
        status=ImportStatus.QUEUED,
    )
    job.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT_STARTED,
        target=job,
        changes={
            "mapping": job.mapping,
            "policy": duplicate_policy,
            "assignment": assignment,
        },
    )
    return job


def import_run(*, job_id: int) -> ImportJob:
    """Process the rows not yet done, each batch in its own committed transaction (and,
    on PostgreSQL, its own tenant setting), so a killed worker loses at most the batch
    in flight and a second run continues after the last committed row."""
    tenant = require_current_tenant()
    with tenant_context(tenant):
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        if job.status == ImportStatus.COMPLETED:
            return job
        ImportJob.objects.filter(pk=job.pk).exclude(
            status=ImportStatus.COMPLETED
        ).update(status=ImportStatus.RUNNING)
        kind, _sep, ref = job.assignment.partition(":")
        rule = team_rule(Department.objects.get(pk=ref)) if kind == "team" else None
        done = set(ImportRow.objects.filter(job=job).values_list("row_no", flat=True))
        data = load_file(job)
    rows = read_rows(data, job.file_kind)
    next(rows)
    batch: list[tuple[int, list[str]]] = []
    for row_no, row in enumerate(rows, start=2):
        if row_no in done:
            continue
        batch.append((row_no, row))
        if len(batch) >= BATCH:
            with tenant_context(tenant):
                _claim_and_run(job, batch, (kind, rule))
            batch = []
    if batch:
        with tenant_context(tenant):
            _claim_and_run(job, batch, (kind, rule))
    with tenant_context(tenant):
        _finish(job)
        job.refresh_from_db()
    return job


def _claim_and_run(job: ImportJob, batch, owner_plan) -> None:
    """Run a batch under the job's row lock, skipping rows another run of the same job
    committed meanwhile. A redelivered task can overlap with a run still going (the
    broker hands an unacknowledged task out again after its visibility timeout); the
    lock makes their batches take turns, and the unique (job, row_no) outcome, written
    in the same transaction as the customers, makes a doubled row impossible even
    without it."""
    ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("pk").first()
    taken = set(
        ImportRow.objects.filter(
            job=job, row_no__gte=batch[0][0], row_no__lte=batch[-1][0]
        ).values_list("row_no", flat=True)
    )
    if taken:
        batch = [(row_no, row) for row_no, row in batch if row_no not in taken]
    if batch:
        _run_batch(job, batch, owner_plan)


def _run_batch(job: ImportJob, batch, owner_plan) -> None:
    """One batch, set-based through the lead pipeline: rows read in memory, known
    customers found in one query, new customers and every outcome inserted in bulk,
    one audit entry for the batch. The caller's transaction makes the batch
    all-or-nothing."""
    source = _("import %s") % job.filename
    unreadable: dict[int, dict] = {}
    leads: list[Lead] = []
    for row_no, row in batch:
        try:
            leads.append(_row_lead(job, row_no, row, source, owner_plan))
        except ValidationError as exc:
            unreadable[row_no] = _messages(exc)
    run = LeadRun(
        actor=job.created_by,
        audit_each=False,  # one entry for the batch, below
        bulk_allocation=True,
        made_earlier=functools.partial(_created_earlier, job),
    )
    leads_take(leads, run)
    outcomes = _outcomes(job, batch, unreadable, leads)
    bulk_insert(ImportRow, outcomes)
    _record_batch(job, batch, leads, outcomes)


def _row_values(row: list[str], mapping: dict[str, str]) -> dict[str, str]:
    values = {}
    for index, field in mapping.items():
        i = int(index)
        values[field] = row[i] if i < len(row) else ""
    return values


def _row_lead(job: ImportJob, row_no: int, row: list[str], source: str, plan) -> Lead:
    """A row as the pipeline takes it; raises ValidationError for a row that says
    nothing or a term that is not a whole number."""
    if not any(cell for cell in row):
        raise ValidationError({"row": [_("Empty row.")]})
    values = _row_values(row, job.mapping)
    data = {
        k: v for k, v in values.items() if k not in ("phone", "id_number") and v != ""
    }
    if "rating" in data:
        data["rating"] = data["rating"].strip().upper()[:1]
        if data["rating"] not in ("A", "B", "C", "D"):
            data.pop("rating")
    if "demand_term_months" in data:
        try:
            data["demand_term_months"] = int(data["demand_term_months"])
        except ValueError:
            raise ValidationError(
                {"demand_term_months": [_("Enter a whole number.")]}
            ) from None
    kind, rule = plan
    return Lead(
        values=data,
        source=source,
        phone=values.get("phone") or "",
        id_number=values.get("id_number") or "",
        policy=job.duplicate_policy,
        owner=job.created_by if kind == "me" else None,
        rule=rule,
        ref=row_no,
    )


def _messages(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}


def _created_earlier(job: ImportJob, customer_ids: set[int]) -> dict[int, int]:
    """Customers this import created in an earlier batch, by id → their row: a second
    row for one of them is a twin inside the file, as when both rows fall in one
    batch (otherwise the outcome would depend on the batch size and on where a
    resumed run restarted)."""
    return dict(
        ImportRow.objects.filter(
            job=job, outcome="created", customer_id__in=customer_ids
        ).values_list("customer_id", "row_no")
    )


def _outcomes(job: ImportJob, batch, unreadable: dict, leads: list[Lead]):
    """Each row's outcome: errors first (rows refused on reading or screening, in row
    order, then duplicates refused by the policy), the created, the merged."""
    outcome = Blank(ImportRow, job_id=job.pk, tenant_id=job.tenant_id).make
    by_row = {lead.ref: lead for lead in leads}
    rows = []
    for row_no, _row in batch:
        lead = by_row.get(row_no)
        if lead is None or lead.outcome == Outcome.INVALID:
            errors = unreadable[row_no] if lead is None else _messages(lead.error)
            rows.append(outcome(row_no=row_no, outcome="error", errors=errors))
    for lead in leads:
        if lead.outcome in (Outcome.REFUSED, Outcome.TWIN):
            rows.append(
                outcome(row_no=lead.ref, outcome="error", errors=_refusal(lead))
            )
    rows += [
        outcome(row_no=lead.ref, outcome="created", customer_id=lead.customer.pk)
        for lead in leads
        if lead.outcome == Outcome.CREATED
    ]
    rows += [
        outcome(row_no=lead.ref, outcome="duplicate", customer_id=lead.existing_id)
        for lead in leads
        if lead.outcome == Outcome.CAME_AGAIN
    ]
    return rows


def _refusal(lead: Lead) -> dict:
    if lead.outcome == Outcome.TWIN:
        message = (
            _("The same customer appears twice in the file (row %d).") % lead.twin_of
        )
    else:
        message = _("This customer already exists.")
    return {"phone": [message]}


def _record_batch(job: ImportJob, batch, leads: list[Lead], outcomes) -> None:
    """The batch's audit entry and the job's progress."""
    created = [lead.customer.pk for lead in leads if lead.outcome == Outcome.CREATED]
    merged = [lead.existing_id for lead in leads if lead.outcome == Outcome.CAME_AGAIN]
    errors = len(outcomes) - len(created) - len(merged)
    audit_record(
        actor=job.created_by,
        action=AuditAction.CUSTOMERS_IMPORTED,
        target=job,
        changes={
            "rows": [batch[0][0], batch[-1][0]],
            "created": created,
            "merged_into": sorted(set(merged)),
            "errors": errors,
        },
    )
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=F("processed_rows") + len(batch),
        created_count=F("created_count") + len(created),
        duplicate_count=F("duplicate_count") + len(merged),
        error_count=F("error_count") + errors,
    )


@transaction.atomic
def _finish(job: ImportJob) -> None:
    status = (
        ImportJob.objects.select_for_update()
        .filter(pk=job.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status == ImportStatus.COMPLETED:
        return  # an overlapping run of the same job finished first
    outcomes = ImportRow.objects.filter(job=job)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.COMPLETED,
        finished_at=timezone.now(),
        processed_rows=outcomes.count(),
        created_count=outcomes.filter(outcome="created").count(),
        duplicate_count=outcomes.filter(outcome="duplicate").count(),
        error_count=outcomes.filter(outcome="error").count(),
    )
    job.refresh_from_db()
    audit_record(
        actor=job.created_by,
        action=AuditAction.IMPORT_FINISHED,
        target=job,
        changes={
            "created": job.created_count,
            "duplicates": job.duplicate_count,
            "errors": job.error_count,
        },
    )


def _problem(field: str, messages: list[str]) -> str:
    """``手机: …`` for a mapped column; the bare message for the row as a whole."""
    text = " ".join(messages)
    return "%s: %s" % (FIELD_LABELS[field], text) if field in FIELD_LABELS else text


def error_report(job: ImportJob) -> Iterator[str]:
    """CSV lines: row number, problems, then the row as uploaded (to fix and re-import)."""
    errors = {
        r.row_no: r.errors
        for r in ImportRow.objects.filter(job=job, outcome="error").only(
            "row_no", "errors"
        )
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    buffer.write("\ufeff")
    rows = read_rows(load_file(job), job.file_kind)
    headers = next(rows)
    writer.writerow(
        [_("Row"), _("Problems"), *[neutralise_formula(h) for h in headers]]
    )
    yield flush()
    for row_no, row in enumerate(rows, start=2):
        if row_no in errors:
            problems = "; ".join(
                _problem(field, messages) for field, messages in errors[row_no].items()
            )
            writer.writerow(
                [
                    row_no,
                    neutralise_formula(problems),
                    *[neutralise_formula(c) for c in row],
                ]
            )
            yield flush()
