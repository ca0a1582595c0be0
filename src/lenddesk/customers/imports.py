"""Excel/CSV import of customers: safe reading, column mapping, background processing
that resumes after a crash, and a row-level error report.

The uploaded file holds personal data, so it is stored encrypted with the firm's data
key and read back only by the import itself and its error report.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import uuid
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from lenddesk.accounts.models import Department, User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import (
    AllocationRule,
    Customer,
    DuplicatePolicy,
    ImportJob,
    ImportRow,
    ImportStatus,
)
from lenddesk.security.crypto import decrypt, encrypt, national_id_facts
from lenddesk.security.text import neutralise_formula
from lenddesk.tenancy.bulk import bulk_insert
from lenddesk.tenancy.context import require_current_tenant, tenant_context

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_ZIP_ENTRIES = 200
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
# The longest value a customer field holds (credit notes); a longer cell is refused
# with the whole file, naming its row and column.
MAX_CELL = 2000
# Python's csv module stops at 131,072 characters a field with an error naming
# neither row nor column; the file size cap bounds a field instead, and MAX_CELL
# then answers with the row and column. (Process-wide; it only raises the limit.)
csv.field_size_limit(MAX_BYTES)
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


def _storage_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "private" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _aad(tenant_id: int, stored_name: str) -> str:
    return "%d|import|%s" % (tenant_id, stored_name)


def check_xlsx(data: bytes) -> None:
    """Refuse zip bombs, path tricks and oversized workbooks before any parser runs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationError({"file": _("This is not a valid .xlsx file.")}) from exc
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ValidationError({"file": _("The workbook has too many parts.")})
    total = 0
    for entry in entries:
        if entry.filename.startswith("/") or ".." in entry.filename.split("/"):
            raise ValidationError({"file": _("The workbook contains an unsafe path.")})
        total += entry.file_size
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
            raise ValidationError(
                {"file": _("The workbook expands too much to be a real spreadsheet.")}
            )
    if total > MAX_UNCOMPRESSED:
        raise ValidationError({"file": _("The workbook is too large.")})
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names or not any(
        n.startswith("xl/") for n in names
    ):
        raise ValidationError({"file": _("This is not a valid .xlsx file.")})


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        {"file": _("The CSV file is neither UTF-8 nor GB18030 text.")}
    )


def read_rows(data: bytes, kind: str) -> Iterator[list[str]]:
    """Every row as a list of strings (the first is the header row)."""
    if kind == "csv":
        reader = csv.reader(io.StringIO(_decode_csv(data)))
        try:
            for row in reader:
                yield [cell.strip() for cell in row]
        except csv.Error as exc:
            raise ValidationError(
                {
                    "file": _(
                        "Line %(line)d of the CSV file could not be read: %(why)s"
                    )
                    % {"line": reader.line_num, "why": exc}
                }
            ) from exc
        return
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = workbook.get_sheet_by_index(0)
    for row in sheet.iter_rows():
        yield [
            value.strip() if value.__class__ is str else _cell(value) for value in row
        ]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
    headers, total = _scan(data, kind)
    tenant = require_current_tenant()
    stored = uuid.uuid4().hex
    blob = encrypt(base64.b64encode(data).decode(), aad=_aad(tenant.pk, stored))
    (_storage_dir() / stored).write_bytes(blob)
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


def _scan(data: bytes, kind: str) -> tuple[list[str], int]:
    """The header row and the number of rows after it; the whole file is refused when
    it is empty, too long, unreadable or holds a cell longer than ``MAX_CELL``."""
    rows = read_rows(data, kind)
    try:
        headers = next(rows)
        _check_cells(headers, headers, 1)
        total = 0
        for total, row in enumerate(rows, start=1):
            if total > MAX_ROWS:
                raise ValidationError(
                    {"file": _("At most %d rows per import.") % MAX_ROWS}
                )
            _check_cells(row, headers, total + 1)
    except StopIteration:
        raise ValidationError({"file": _("The file is empty.")}) from None
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(
            {"file": _("The file could not be read: %s") % type(exc).__name__}
        ) from exc
    if total == 0:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    return headers, total


def _check_cells(row: list[str], headers: list[str], row_no: int) -> None:
    for index, cell in enumerate(row):
        if len(cell) > MAX_CELL:
            header = headers[index] if index < len(headers) else ""
            raise ValidationError(
                {
                    "file": _(
                        "Row %(row)d, column %(column)s: a cell holds at most "
                        "%(n)d characters (this one has %(length)d)."
                    )
                    % {
                        "row": row_no,
                        "column": _column_name(index, header[:40]),
                        "n": MAX_CELL,
                        "length": len(cell),
                    }
                }
            )


def _column_name(index: int, header: str) -> str:
    """``B (手机)``: the spreadsheet letter, and the header when it has one."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return "%s (%s)" % (letters, header) if header else letters


def load_file(job: ImportJob) -> bytes:
    blob = (_storage_dir() / job.stored_name).read_bytes()
    return base64.b64decode(decrypt(blob, aad=_aad(job.tenant_id, job.stored_name)))


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
def import_configure(
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
        department = (
            Department.objects.filter(pk=ref).first() if ref.isdigit() else None
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
    tenant_id = job.tenant_id
    transaction.on_commit(lambda: _enqueue(tenant_id, job.pk))
    return job


def _enqueue(tenant_id: int, job_id: int) -> None:
    from lenddesk.customers.tasks import import_run

    import_run.delay(tenant_id=tenant_id, job_id=job_id)


def _row_values(row: list[str], mapping: dict[str, str]) -> dict[str, str]:
    values = {}
    for index, field in mapping.items():
        i = int(index)
        values[field] = row[i] if i < len(row) else ""
    return values


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


class _Blank:
    """Unsaved rows of one model for one import, each a copy of one built by the
    model's ``__init__`` with fresh values for the callable defaults (row key, custom
    fields). ``Model.__init__`` walks every field per call; for customers' fifty that
    cost more than encrypting. Values are given by attribute name (``customer_id``);
    anything else goes through the normal constructor."""

    def __init__(self, model, **fixed):
        self.model = model
        self.fixed = fixed
        template = model(**fixed)
        self.values = {k: v for k, v in template.__dict__.items() if k != "_state"}
        fields = model._meta.concrete_fields
        self.fresh = [
            (f.attname, f.get_default)
            for f in fields
            if callable(f.default) and not f.is_relation and f.attname not in fixed
        ]
        self.attnames = {f.attname for f in fields}

    def make(self, **values):
        if not self.attnames.issuperset(values):
            return self.model(**self.fixed, **values)
        obj = self.model.__new__(self.model)
        obj.__dict__.update(self.values)
        obj._state = ModelState()
        for attname, default in self.fresh:
            obj.__dict__[attname] = default()
        obj.__dict__.update(values)
        return obj


@lru_cache(maxsize=100_000)
def name_keys(name: str) -> tuple[str, str]:
    """``services.name_keys`` with one pinyin pass instead of two: pypinyin's initial
    style is the first letter of the plain syllable (``test_imports`` holds them
    equal)."""
    syllables = lazy_pinyin(name, errors="ignore")
    return (
        "".join(syllables).lower()[:200],
        "".join(s[:1] for s in syllables).lower()[:40],
    )


def _prepare(
    job: ImportJob, values: dict[str, str], blank: _Blank | None = None
) -> Customer:
    """Validate one row into an unsaved customer (no queries); raises ValidationError
    naming the fields."""
    from lenddesk.customers.services import _clean_values

    data = {
        k: v for k, v in values.items() if k not in ("phone", "id_number") and v != ""
    }
    if "rating" in data:
        data["rating"] = data["rating"].strip().upper()[:1]
        if data["rating"] not in ("A", "B", "C", "D"):
            data.pop("rating")
    for number in ("demand_term_months",):
        if number in data:
            try:
                data[number] = int(data[number])
            except ValueError:
                raise ValidationError({number: [_("Enter a whole number.")]}) from None
    try:
        values_clean = _clean_values(data)
    except (ArithmeticError, ValueError):
        raise ValidationError({"row": [_("An amount is not a number.")]}) from None
    if not values_clean.get("name"):
        raise ValidationError({"name": [_("Enter the customer's name.")]})
    blank = blank or _Blank(
        Customer, created_by_id=job.created_by_id, tenant_id=job.tenant_id
    )
    customer = blank.make(**values_clean)
    _apply_personal(
        customer,
        phone=values.get("phone") or None,
        id_number=values.get("id_number") or None,
    )
    if not customer.phone_index and not customer.id_number_index:
        raise ValidationError({"phone": [_("Enter a mobile phone or an ID number.")]})
    customer.name_pinyin, customer.name_initials = name_keys(customer.name)
    return customer


def _apply_personal(customer: Customer, *, phone, id_number) -> None:
    """``services._apply_personal`` for a new row, without decrypting the ID number it
    has just sealed to derive birth date and gender (the same values, from the same
    input; that round trip was a tenth of the import's time)."""
    errors: dict[str, list[str]] = {}
    for name, value in (("phone", phone), ("id_number", id_number)):
        if value is None:
            continue
        try:
            customer.set_secret(name, value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    if id_number:
        customer.birth_date, customer.gender = national_id_facts(id_number)


def _run_batch(job: ImportJob, batch, owner_plan) -> None:
    """One batch, set-based: validate in memory, find duplicates with two indexed
    queries, insert new customers and every outcome in bulk, one audit row for the
    batch. The caller's transaction makes the batch all-or-nothing."""
    from lenddesk.customers.allocation import allocate_many
    from lenddesk.customers.models import FollowUp, FunnelStage, TimelineEvent
    from lenddesk.customers.services import apply_tag_rules, default_pool, pool_rules

    kind, rule = owner_plan
    blank = _Blank(Customer, created_by_id=job.created_by_id, tenant_id=job.tenant_id)
    outcome = _Blank(ImportRow, job_id=job.pk, tenant_id=job.tenant_id).make
    outcomes: list[ImportRow] = []
    fresh: list[tuple[int, Customer]] = []
    for row_no, row in batch:
        if not any(cell for cell in row):
            outcomes.append(
                outcome(
                    row_no=row_no,
                    outcome="error",
                    errors={"row": [_("Empty row.")]},
                )
            )
            continue
        try:
            fresh.append((row_no, _prepare(job, _row_values(row, job.mapping), blank)))
        except ValidationError as exc:
            errors = (
                exc.message_dict
                if hasattr(exc, "error_dict")
                else {"row": exc.messages}
            )
            outcomes.append(outcome(row_no=row_no, outcome="error", errors=errors))
    phones = {c.phone_index for _n, c in fresh if c.phone_index}
    ids = {c.id_number_index for _n, c in fresh if c.id_number_index}
    known: dict[str, int] = {}
    for pk, phone, idno in Customer.objects.filter(
        Q(phone_index__in=phones) | Q(id_number_index__in=ids)
    ).values_list("pk", "phone_index", "id_number_index"):
        known.setdefault(phone, pk) if phone else None
        known.setdefault(idno, pk) if idno else None
    policy = job.duplicate_policy
    # Customers this import created in an earlier batch: a second row for one of them
    # is a twin inside the file, as when both rows fall in one batch (otherwise the
    # outcome would depend on the batch size and on where a resumed run restarted).
    earlier = (
        dict(
            ImportRow.objects.filter(
                job=job, outcome="created", customer_id__in=set(known.values())
            ).values_list("customer_id", "row_no")
        )
        if known and policy == DuplicatePolicy.MERGE
        else {}
    )
    stage = FunnelStage.objects.filter(key="new").first()
    pool = default_pool()
    now = timezone.now()
    to_create: list[tuple[int, Customer]] = []
    merges: list[tuple[int, int]] = []
    seen: dict[str, int] = {}
    for row_no, customer in fresh:
        keys = [k for k in (customer.phone_index, customer.id_number_index) if k]
        existing = next((known[k] for k in keys if k in known), None)
        twin = next((seen[k] for k in keys if k in seen), None)
        if existing in earlier:
            existing, twin = None, earlier[existing]
        if (existing or twin) and policy == DuplicatePolicy.REJECT:
            outcomes.append(
                outcome(
                    row_no=row_no,
                    outcome="error",
                    errors={"phone": [_("This customer already exists.")]},
                )
            )
            continue
        if existing and policy == DuplicatePolicy.MERGE:
            merges.append((row_no, existing))
            continue
        if twin is not None and policy == DuplicatePolicy.MERGE:
            outcomes.append(
                outcome(
                    row_no=row_no,
                    outcome="error",
                    errors={
                        "phone": [
                            _("The same customer appears twice in the file (row %d).")
                            % twin
                        ]
                    },
                )
            )
            continue
        customer.duplicate_of_id = existing
        customer.stage = stage
        if kind == "me":
            customer.owner = job.created_by
            customer.claimed_at = now
        else:
            customer.pool = pool
        for key in keys:
            seen.setdefault(key, row_no)
        to_create.append((row_no, customer))
    if kind == "me" and to_create:
        owned = Customer.objects.filter(owner=job.created_by).count()
        room = max(0, pool_rules().private_cap - owned)
        for _row_no, customer in to_create[room:]:
            customer.owner, customer.claimed_at, customer.pool = None, None, pool
    created = bulk_insert(Customer, [c for _n, c in to_create], returning=True)
    if rule is not None and created:
        allocate_many(customers=created, rule=rule, now=now)
    apply_tag_rules(created)
    source = _("import %s") % job.filename
    event = _Blank(
        TimelineEvent, actor_id=job.created_by_id, tenant_id=job.tenant_id
    ).make
    created_summary = _("Created (%s)") % source
    again_summary = _("Came in again via %s") % source
    bulk_insert(
        TimelineEvent,
        [
            event(customer_id=c.pk, kind="created", summary=created_summary)
            for c in created
        ]
        + [
            event(customer_id=pk, kind="duplicate", summary=again_summary)
            for _n, pk in merges
        ],
    )
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                customer_id=pk,
                author=job.created_by,
                kind="other",
                is_system=True,
                content=_("Came in again via %s.") % source,
            )
            for _n, pk in merges
        ]
    )
    outcomes += [
        outcome(row_no=n, outcome="created", customer_id=c.pk)
        for (n, _c), c in zip(to_create, created, strict=True)
    ]
    outcomes += [
        outcome(row_no=n, outcome="duplicate", customer_id=pk) for n, pk in merges
    ]
    bulk_insert(ImportRow, outcomes)
    tally = {
        "created": len(created),
        "duplicate": len(merges),
        "error": len(outcomes) - len(created) - len(merges),
    }
    audit_record(
        actor=job.created_by,
        action=AuditAction.CUSTOMERS_IMPORTED,
        target=job,
        changes={
            "rows": [batch[0][0], batch[-1][0]],
            "created": [c.pk for c in created],
            "merged_into": sorted({pk for _n, pk in merges}),
            "errors": tally["error"],
        },
    )
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=F("processed_rows") + len(batch),
        created_count=F("created_count") + tally["created"],
        duplicate_count=F("duplicate_count") + tally["duplicate"],
        error_count=F("error_count") + tally["error"],
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
    writer.writerow([_("Row"), _("Problems"), *[neutralise_formula(h) for h in headers]])
    yield flush()
    for row_no, row in enumerate(rows, start=2):
        if row_no in errors:
            problems = "; ".join(
                _problem(field, messages) for field, messages in errors[row_no].items()
            )
            writer.writerow(
                [row_no, neutralise_formula(problems), *[neutralise_formula(c) for c in row]]
            )
            yield flush()
