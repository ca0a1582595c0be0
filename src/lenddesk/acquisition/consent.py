"""The firm's privacy notice and the evidence that people agreed to it (PIPL Art.
14/29): published versions, and consent records kept by every channel a person
arrives through (forms, platforms, partners, staff)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.acquisition.models import ConsentRecord, ConsentSource, PrivacyNotice
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, audit_records
from lenddesk.tenancy.bulk import bulk_insert


def current_notice() -> PrivacyNotice | None:
    """The latest published version of the firm's privacy notice."""
    return PrivacyNotice.objects.order_by("-published_at", "-pk").first()


@transaction.atomic
def notice_publish(*, actor, version: str, text: str) -> PrivacyNotice:
    version, text = (version or "").strip(), (text or "").strip()
    errors = {}
    if not version:
        errors["version"] = _("Enter a version, for example 2026-01.")
    elif len(version) > 20:
        errors["version"] = _("Use at most 20 characters.")
    elif PrivacyNotice.objects.filter(version=version).exists():
        errors["version"] = _("This version is already published; use a new one.")
    if not text:
        errors["text"] = _("Enter the text of the notice.")
    if errors:
        raise ValidationError(errors)
    notice = PrivacyNotice.objects.create(version=version, text=text)
    audit_record(
        actor=actor,
        action=AuditAction.NOTICE_PUBLISHED,
        target=notice,
        changes={"version": version},
    )
    return notice


@transaction.atomic
def consent_record(
    *,
    customer,
    notice_version: str,
    source: str,
    source_ref: str = "",
    purposes=(),
    evidence: dict | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """Keep the evidence that a person agreed to a notice version (PIPL Art. 14/29).
    ``customer`` may be None for evidence kept before a lead becomes a customer."""
    return consent_records(
        [
            {
                "customer": customer,
                "notice_version": notice_version,
                "source": source,
                "source_ref": source_ref,
                "purposes": purposes,
                "evidence": evidence,
                "ip_address": ip_address,
                "user_agent": user_agent,
            }
        ]
    )[0]


def consent_records(entries: list[dict]) -> list[ConsentRecord]:
    """``consent_record`` for many people at once (each entry its arguments): the
    notices read in one query, the records written in one insert."""
    for entry in entries:
        _check(entry)
    versions = {entry["notice_version"].strip() for entry in entries}
    notices = {n.version: n for n in PrivacyNotice.objects.filter(version__in=versions)}
    now = timezone.now()
    staff = any(entry["source"] == ConsentSource.STAFF for entry in entries)
    records = bulk_insert(
        ConsentRecord,
        [_record(entry, notices, now) for entry in entries],
        returning=staff,
    )
    # Evidence from a form, platform or partner is itself the append-only record;
    # only a consent typed in by staff is a staff action worth auditing.
    audit_records(
        [
            _staff_entry(record, entry["customer"])
            for record, entry in zip(records, entries, strict=True)
            if record.source == ConsentSource.STAFF
        ]
    )
    return records


def _check(entry: dict) -> None:
    if not (entry.get("notice_version") or "").strip():
        raise ValidationError(
            {"notice_version": _("Say which privacy-notice version was agreed to.")}
        )
    if entry.get("source") not in ConsentSource.values:
        raise ValidationError({"source": _("Unknown consent source.")})


def _record(entry: dict, notices: dict, now) -> ConsentRecord:
    version = entry["notice_version"].strip()
    return ConsentRecord(
        customer=entry.get("customer"),
        notice=notices.get(version),
        notice_version=version[:40],
        source=entry["source"],
        source_ref=(entry.get("source_ref") or "")[:80],
        purposes=[str(p)[:60] for p in entry.get("purposes") or ()],
        evidence=entry.get("evidence") or {},
        ip_address=entry.get("ip_address") or None,
        user_agent=(entry.get("user_agent") or "")[:300],
        given_at=now,
    )


def _staff_entry(record: ConsentRecord, customer) -> dict:
    return {
        "actor": None,
        "action": AuditAction.CONSENT_RECORDED,
        "target": record,
        "object_repr": str(customer) if customer is not None else record.notice_version,
        "changes": {
            "customer": getattr(customer, "pk", None),
            "notice_version": record.notice_version,
            "source": record.source,
            "source_ref": record.source_ref,
        },
    }
