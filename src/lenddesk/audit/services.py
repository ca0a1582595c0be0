"""Writing and verifying the tenant's audit chain."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from lenddesk.audit.chainkey import (
    cutover_seal,
    keyed_digest,
    legacy_digest,
    seals_match,
)
from lenddesk.audit.context import current_facts
from lenddesk.audit.models import (
    AuditAction,
    AuditChainHead,
    AuditEvent,
    AuditStaged,
)
from lenddesk.audit.selectors import event_list
from lenddesk.tenancy.context import require_current_tenant

GENESIS = "0" * 64
REDACTED = "[redacted]"
SENSITIVE_KEYS = frozenset(
    {"password", "phone", "id_number", "national_id", "bank_card", "secret", "token"}
)
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "purpose",
    "result",
    "reason",
    "ip",
    "client",
    "request_id",
)


def redact(changes: dict[str, Any]) -> dict[str, Any]:
    """Field names stay; values of sensitive fields never reach the log."""
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key in SENSITIVE_KEYS:
            clean[key] = REDACTED
        elif isinstance(value, dict):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``{field: [old, new]}`` for fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _canonical(event: AuditEvent) -> bytes:
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["tenant_id"] = event.tenant_id
    content["created_at"] = event.created_at.astimezone(UTC).isoformat()
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def compute_hash(event: AuditEvent, *, keyed: bool = True) -> str:
    """HMAC-SHA256 under the chain key; ``keyed=False`` for rows written before the
    chain was keyed (up to the firm's cut-over, audit.chainkey)."""
    message = event.prev_hash.encode() + _canonical(event)
    return keyed_digest(message) if keyed else legacy_digest(message)


@dataclass
class _Staging:
    tenant_id: int
    staged_ids: list[int]


_staging: contextvars.ContextVar[_Staging | None] = contextvars.ContextVar(
    "lenddesk_audit_staging", default=None
)


def audit_record(
    *,
    actor=None,
    action: str,
    target: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    purpose: str = "",
    result: str = "ok",
    reason: str = "",
) -> None:
    """Append one entry to the current tenant's chain, inside the caller's transaction
    (during a PostgreSQL web request: staged, and chained when the request commits)."""
    audit_records(
        [
            dict(
                actor=actor,
                action=action,
                target=target,
                object_type=object_type,
                object_id=object_id,
                object_repr=object_repr,
                changes=changes,
                purpose=purpose,
                result=result,
                reason=reason,
            )
        ]
    )


def audit_records(entries: list[dict[str, Any]]) -> None:
    """Several entries at once (each with ``audit_record``'s arguments), in order:
    one insert where ``audit_record`` would make one per entry."""
    if not entries:
        return
    tenant = require_current_tenant()
    facts = current_facts()
    now = timezone.now()
    contents = [_content(facts, **entry) for entry in entries]
    staging = _staging.get()
    if staging is not None and staging.tenant_id == tenant.pk:
        staged = AuditStaged.objects.bulk_create(
            [AuditStaged(payload=content, created_at=now) for content in contents]
        )
        staging.staged_ids.extend(row.pk for row in staged)
        return
    with transaction.atomic():
        _append(tenant.pk, [(content, now) for content in contents])


def _content(
    facts,
    *,
    actor=None,
    action: str,
    target: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    purpose: str = "",
    result: str = "ok",
    reason: str = "",
) -> dict[str, Any]:
    return {
        "actor_id": actor.pk if getattr(actor, "pk", None) else None,
        "actor_name": str(actor)[:80] if actor is not None else "",
        "action": str(action),
        "object_type": object_type or (target._meta.label_lower if target else ""),
        "object_id": object_id or (str(target.pk) if target is not None else ""),
        "object_repr": (object_repr or (str(target) if target is not None else ""))[
            :200
        ],
        # JSON round trip so the hash covers exactly what the database will return.
        "changes": json.loads(json.dumps(redact(changes or {}), default=str)),
        "purpose": purpose[:200],
        "result": result,
        "reason": reason[:200],
        "ip": facts.ip,
        "client": facts.client,
        "request_id": facts.request_id,
    }


def _append(tenant_id: int, entries: list[tuple[dict[str, Any], Any]]) -> None:
    head = _lock_head(tenant_id)
    seq, last_hash = head.seq, head.last_hash
    events = []
    for content, created_at in entries:
        seq += 1
        event = AuditEvent(
            tenant_id=tenant_id,
            seq=seq,
            created_at=created_at,
            prev_hash=last_hash,
            **content,
        )
        event.row_hash = last_hash = compute_hash(event)
        events.append(event)
    if connection.vendor == "postgresql":
        _insert_and_advance(head.pk, events)
        return
    AuditEvent.objects.bulk_create(events)
    AuditChainHead.objects.filter(pk=head.pk).update(seq=seq, last_hash=last_hash)


def _insert_and_advance(head_id: int, events: list[AuditEvent]) -> None:
    """The rows and the new head in one statement (this runs on every audited request,
    with the firm's chain locked until commit)."""
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(%s)" % ", ".join(["%s"] * len(fields))
    params: list[Any] = []
    for event in events:
        params.extend(
            f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields
        )
    last = events[-1]
    params.extend([last.seq, last.row_hash, head_id])
    values = ", ".join([row] * len(events))
    # The model's own column names are formatted in; every value is a parameter.
    insert = "INSERT INTO audit_auditevent (%s) VALUES %s" % (columns, values)  # noqa: S608
    advance = "UPDATE audit_auditchainhead SET seq = %s, last_hash = %s WHERE id = %s"
    sql = "WITH added AS (%s RETURNING 1) %s" % (insert, advance)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def audit_staging(tenant_id: int):
    """``staged_audit`` on PostgreSQL, nothing elsewhere: for a block of work in a
    firm's own transaction outside a web request (intake, the worker's drain), so
    the firm's chain-head lock is held only from its end until the commit."""
    if connection.vendor != "postgresql":
        return nullcontext()
    return staged_audit(tenant_id)


@contextmanager
def staged_audit(tenant_id: int) -> Iterator[None]:
    """Stage the audit entries of a block (a web request's transaction) and chain them
    at its end; entries of rolled-back savepoints are gone with their rows."""
    state = _Staging(tenant_id=tenant_id, staged_ids=[])
    token = _staging.set(state)
    try:
        yield
    finally:
        _staging.reset(token)
    chain_staged(state.staged_ids)  # not reached when the block raised


def chain_staged(staged_ids: list[int]) -> None:
    if not staged_ids:
        return
    entries = _take_staged(staged_ids)
    if entries:
        _append(entries[0][0], [(payload, at) for _t, payload, at in entries])


def _take_staged(staged_ids: list[int]) -> list[tuple[int, dict, Any]]:
    """Remove the surviving staged rows (those of rolled-back savepoints are gone
    already) and return them in the order they were written."""
    if connection.vendor != "postgresql":
        rows = list(AuditStaged.objects.filter(pk__in=staged_ids).order_by("pk"))
        AuditStaged.objects.filter(pk__in=[row.pk for row in rows]).delete()
        return [(row.tenant_id, row.payload, row.created_at) for row in rows]
    with connection.cursor() as cursor:  # one round trip on the hot path
        cursor.execute(
            "DELETE FROM audit_auditstaged WHERE id = ANY(%s) "
            "RETURNING id, tenant_id, payload, created_at",
            [staged_ids],
        )
        rows = sorted(cursor.fetchall())
    field = AuditStaged._meta.get_field("payload")
    return [
        (tenant_id, field.from_db_value(payload, None, connection), created_at)
        for _pk, tenant_id, payload, created_at in rows
    ]


def _lock_head(tenant_id: int) -> AuditChainHead:
    head = _locked_head(tenant_id)
    if head is None:
        AuditChainHead.objects.get_or_create(
            tenant_id=tenant_id,
            defaults={
                "seq": 0,
                "last_hash": GENESIS,
                "legacy_seq": 0,
                "legacy_seal": cutover_seal(
                    tenant_id=tenant_id, legacy_seq=0, legacy_hash=GENESIS
                ),
            },
        )
        head = AuditChainHead.objects.select_for_update().get(tenant_id=tenant_id)
    return head


def _locked_head(tenant_id: int) -> AuditChainHead | None:
    if connection.vendor != "postgresql":
        return (
            AuditChainHead.objects.select_for_update()
            .filter(tenant_id=tenant_id)
            .first()
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, seq, last_hash FROM audit_auditchainhead "
            "WHERE tenant_id = %s FOR UPDATE",
            [tenant_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return AuditChainHead(pk=row[0], tenant_id=tenant_id, seq=row[1], last_hash=row[2])


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain() -> ChainReport:
    """Walk the current tenant's chain in order and name the first broken row."""
    head = AuditChainHead.objects.first()
    legacy_seq = head.legacy_seq if head else 0
    if head is not None and legacy_seq == 0 and not _cutover_holds(head, GENESIS):
        return _cutover_broken(0)
    expected_prev = GENESIS
    checked = 0
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    for event in rows:
        problem = _row_problem(event, checked + 1, expected_prev, legacy_seq)
        if problem:
            return ChainReport(False, checked, *problem)
        if event.seq == legacy_seq and not _cutover_holds(head, event.row_hash):
            return _cutover_broken(checked)
        expected_prev = event.row_hash
        checked += 1
    if legacy_seq > checked:
        return _cutover_broken(checked)
    return _head_report(checked, expected_prev)


def _row_problem(
    event: AuditEvent, expected_seq: int, expected_prev: str, legacy_seq: int
) -> tuple[int, str] | None:
    """``(first bad seq, problem)`` for a row out of place, unlinked or edited."""
    if event.seq != expected_seq:
        return expected_seq, "row %d is missing" % expected_seq
    if event.prev_hash != expected_prev:
        return event.seq, "link to previous row broken"
    if compute_hash(event, keyed=event.seq > legacy_seq) != event.row_hash:
        return event.seq, "content was edited"
    return None


def _cutover_holds(head: AuditChainHead, legacy_hash: str) -> bool:
    expected = cutover_seal(
        tenant_id=head.tenant_id, legacy_seq=head.legacy_seq, legacy_hash=legacy_hash
    )
    return seals_match(head.legacy_seal, expected)


def _cutover_broken(checked: int) -> ChainReport:
    """The sealed cut-over between unkeyed and keyed rows does not hold: rows were
    re-hashed without the key, or AUDIT_CHAIN_KEY is not the key of this chain."""
    return ChainReport(
        False,
        checked,
        1,
        "the chain was re-hashed without its key, "
        "or AUDIT_CHAIN_KEY is not the key it was written with",
    )


def _head_report(checked: int, last_hash: str) -> ChainReport:
    """The head is written with every row: it catches rows cut off the end, and rows
    appended past it without going through audit_record()."""
    head = AuditChainHead.objects.first()
    head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS)
    if head_seq != checked:
        last_good = min(head_seq, checked)
        return ChainReport(
            False,
            checked,
            last_good + 1,
            "rows after %d were removed or added" % last_good,
        )
    if head_hash != last_hash:
        return ChainReport(
            False, checked, max(checked, 1), "last row does not match the chain head"
        )
    return ChainReport(True, checked)


def chain_anchor() -> tuple[int, str]:
    """``(seq, hash)`` of the current tenant's chain head, to keep outside the
    database: someone who rewrites rows and re-hashes the rest of the chain cannot
    change what was shipped elsewhere."""
    head = AuditChainHead.objects.first()
    if head is None:
        return 0, GENESIS
    return head.seq, head.last_hash


def check_anchor(*, seq: int, row_hash: str) -> str:
    """Compare the current tenant's row ``seq`` with an anchor taken earlier; return
    the problem, or an empty string when it still matches."""
    if seq == 0:
        return "" if row_hash == GENESIS else "differs from the external anchor"
    current = AuditEvent.objects.filter(seq=seq).values_list("row_hash", flat=True)
    found = current.first()
    if found is None:
        return "anchored row is missing"
    if found != row_hash:
        return "differs from the external anchor"
    return ""


EXPORT_CAP = 100_000


@dataclass(frozen=True)
class AuditExport:
    """What one CSV export will contain: ``events`` is pinned to the rows that existed
    when it started, so ``rows`` (logged before streaming) is exactly what is sent."""

    events: QuerySet[AuditEvent]
    rows: int
    capped: bool


@transaction.atomic
def audit_export_start(*, actor, filters: dict[str, Any]) -> AuditExport:
    """Log an export of the audit log (filters and row count) before it streams, so
    an interrupted download is still on record."""
    last_seq = (
        AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    )
    events = event_list(actor=actor, filters=filters).filter(seq__lte=last_seq)
    found = events[: EXPORT_CAP + 1].count()
    rows = min(found, EXPORT_CAP)
    audit_record(
        actor=actor,
        action=AuditAction.AUDIT_EXPORTED,
        object_type="audit.auditevent",
        object_repr="audit log up to #%d" % last_seq,
        changes={
            "filters": _describe_filters(filters),
            "rows": rows,
            "capped": found > EXPORT_CAP,
            "up_to_seq": last_seq,
        },
    )
    return AuditExport(events=events, rows=rows, capped=found > EXPORT_CAP)


def _describe_filters(filters: dict[str, Any]) -> dict[str, str]:
    described = {}
    for name, value in filters.items():
        if isinstance(value, Model):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        described[name] = str(value)
    return described
