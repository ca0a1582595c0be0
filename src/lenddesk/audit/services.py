"""Writing and verifying the tenant's audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from lenddesk.audit.context import current_facts
from lenddesk.audit.models import AuditChainHead, AuditEvent
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


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(event.prev_hash.encode() + _canonical(event)).hexdigest()


@transaction.atomic
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
) -> AuditEvent:
    """Append one row to the current tenant's chain, inside the caller's transaction."""
    tenant = require_current_tenant()
    facts = current_facts()
    head = _lock_head(tenant.pk)
    event = AuditEvent(
        tenant=tenant,
        seq=head.seq + 1,
        created_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=str(actor)[:80] if actor is not None else "",
        action=str(action),
        object_type=object_type or (target._meta.label_lower if target else ""),
        object_id=object_id or (str(target.pk) if target is not None else ""),
        object_repr=(object_repr or (str(target) if target is not None else ""))[:200],
        changes=redact(changes or {}),
        purpose=purpose[:200],
        result=result,
        reason=reason[:200],
        ip=facts.ip,
        client=facts.client,
        request_id=facts.request_id,
        prev_hash=head.last_hash,
    )
    # JSON round trip so the hash covers exactly what the database will return.
    event.changes = json.loads(json.dumps(event.changes, default=str))
    event.row_hash = compute_hash(event)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=head.pk).update(
        seq=event.seq, last_hash=event.row_hash
    )
    return event


def _lock_head(tenant_id: int) -> AuditChainHead:
    head = (
        AuditChainHead.objects.select_for_update().filter(tenant_id=tenant_id).first()
    )
    if head is None:
        AuditChainHead.objects.get_or_create(
            tenant_id=tenant_id, defaults={"seq": 0, "last_hash": GENESIS}
        )
        head = AuditChainHead.objects.select_for_update().get(tenant_id=tenant_id)
    return head


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain() -> ChainReport:
    """Walk the current tenant's chain in order and name the first broken row."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    for event in rows:
        if event.seq != expected_seq:
            return ChainReport(
                False, checked, expected_seq, "row %d is missing" % expected_seq
            )
        if event.prev_hash != expected_prev:
            return ChainReport(False, checked, event.seq, "link to previous row broken")
        if compute_hash(event) != event.row_hash:
            return ChainReport(False, checked, event.seq, "content was edited")
        expected_prev = event.row_hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.first()
    if head is not None and (head.seq != checked or head.last_hash != expected_prev):
        return ChainReport(
            False, checked, checked + 1, "rows after %d were removed or added" % checked
        )
    return ChainReport(True, checked)
