"""Credit reports (征信报告): the customer's authorisation, and every look at a report.

A look needs a purpose and an authorisation in force (the signed 征信查询授权书 or a
recorded consent, not expired, not revoked). Every look writes one
``CreditQueryRecord`` — staff name as it was, time, method, content, purpose and the
authorisation (征信业管理条例 art. 22) — refused looks too, with the reason. So a
refusal is an answer, not an exception: ``credit_report_open`` always returns the
record it wrote, and the file only when the look was allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.customers.documents import document_bytes, document_upload
from lenddesk.customers.errors import CustomerError
from lenddesk.customers.models import (
    AuthorisationMethod,
    CreditAuthorisation,
    CreditPurpose,
    CreditQueryRecord,
    Customer,
    CustomerDocument,
    DocumentKind,
    QueryMethod,
    QueryOutcome,
    RefusalReason,
)
from lenddesk.customers.services.pool import ensure_owned
from lenddesk.customers.services.timeline import timeline
from lenddesk.security.text import clean_texts

# The audit log's codes for these events (``audit.models.AuditAction`` lists them
# with their labels under the same values).
AUDIT_AUTHORISED = "customer.credit_authorised"
AUDIT_REVOKED = "customer.credit_authorisation_revoked"
AUDIT_VIEWED = "customer.credit_viewed"
AUDIT_REFUSED = "customer.credit_refused"
AUDIT_LOG_EXPORTED = "customer.credit_log_exported"

DEFAULT_VALIDITY_DAYS = 365
MAX_VALIDITY_DAYS = 5 * 366
SOURCE_MAX = 120
NOTE_MAX = 300
PURPOSE_NOTE_MAX = 200


# --- authorisations ----------------------------------------------------------------


@transaction.atomic
def credit_authorisation_grant(
    actor,
    customer: Customer,
    *,
    method: str,
    valid_until: dt.date,
    source_label: str,
    document=None,
    valid_from: dt.date | None = None,
    note: str = "",
) -> CreditAuthorisation:
    """Record the customer's authorisation to look at their credit report: a signed
    authorisation form (contracts call this with the contract number as
    ``source_label``) or a consent the staff member recorded, with its evidence."""
    ensure_owned(customer)
    valid_from = _day(valid_from) or timezone.localdate()
    valid_until = _day(valid_until)
    texts = _checked_grant(method, valid_from, valid_until, source_label, note)
    scan = _scan(customer, document)
    authorisation = CreditAuthorisation.objects.create(
        customer=customer,
        method=method,
        valid_from=valid_from,
        valid_until=valid_until,
        source_label=texts["source_label"],
        note=texts["note"],
        document=scan,
        recorded_by=actor,
    )
    timeline(
        customer,
        actor,
        "credit_authorised",
        _("Credit query authorised until %(day)s (%(source)s)")
        % {"day": valid_until.isoformat(), "source": authorisation.source_label},
    )
    audit_record(
        actor=actor,
        action=AUDIT_AUTHORISED,
        target=customer,
        changes={
            "authorisation": authorisation.pk,
            "method": method,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "source": authorisation.source_label,
            "document": scan.pk if scan else None,
        },
    )
    return authorisation


def _day(value):
    """A datetime given for a day counts as its (local) day."""
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _checked_grant(method, valid_from, valid_until, source_label, note) -> dict:
    """The cleaned texts of a grant; every bad value refused at once, by field."""
    texts = {"source_label": source_label or "", "note": note or ""}
    errors = clean_texts(texts)
    errors.update(
        _grant_errors(method, valid_from, valid_until, texts, timezone.localdate())
    )
    if errors:
        raise ValidationError(errors)
    return texts


def _grant_errors(method, valid_from, valid_until, texts, today) -> dict:
    errors: dict[str, list[str]] = {}
    if method not in AuthorisationMethod.values:
        errors["method"] = [_("Choose how the customer authorised the query.")]
    if not texts["source_label"]:
        errors["source_label"] = [_("Say where the authorisation comes from.")]
    elif len(texts["source_label"]) > SOURCE_MAX:
        errors["source_label"] = [_("At most 120 characters.")]
    if len(texts["note"]) > NOTE_MAX:
        errors["note"] = [_("At most 300 characters.")]
    if not isinstance(valid_from, dt.date) or valid_from > today:
        errors["valid_from"] = [_("The authorisation cannot be dated in the future.")]
    if not isinstance(valid_until, dt.date):
        errors["valid_until"] = [_("Enter the last day the authorisation is valid.")]
    elif valid_until < today:
        errors["valid_until"] = [_("The last valid day cannot be in the past.")]
    elif valid_until > today + dt.timedelta(days=MAX_VALIDITY_DAYS):
        errors["valid_until"] = [_("An authorisation lasts at most five years.")]
    elif "valid_from" not in errors and valid_until < valid_from:
        errors["valid_until"] = [_("The last valid day is before the first.")]
    return errors


def _scan(customer, document) -> CustomerDocument | None:
    """The authorisation's scan, when it is one of this customer's documents."""
    if document is None:
        return None
    if not isinstance(document, CustomerDocument) or (
        document.customer_id != customer.pk
    ):
        raise ValidationError(
            {"document": [_("Choose one of this customer's documents.")]}
        )
    return document


@transaction.atomic
def credit_authorisation_revoke(
    *, actor, authorisation: CreditAuthorisation, reason: str = ""
) -> CreditAuthorisation:
    """The customer withdrew the authorisation: no further look relies on it. One
    conditional UPDATE, so two revocations cannot both happen."""
    ensure_owned(authorisation.customer)
    texts = {"reason": reason or ""}
    errors = clean_texts(texts)
    if not errors and len(texts["reason"]) > PURPOSE_NOTE_MAX:
        errors["reason"] = [_("At most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    changed = CreditAuthorisation.objects.filter(
        pk=authorisation.pk, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=actor, revoke_reason=texts["reason"])
    if not changed:
        raise ValidationError(
            _("This authorisation was already revoked."),
            code=CustomerError.ALREADY_REVOKED,
        )
    authorisation.refresh_from_db()
    timeline(
        authorisation.customer,
        actor,
        "credit_revoked",
        _("Credit query authorisation revoked (%(source)s)")
        % {"source": authorisation.source_label},
    )
    audit_record(
        actor=actor,
        action=AUDIT_REVOKED,
        target=authorisation.customer,
        changes={"authorisation": authorisation.pk},
        reason=texts["reason"],
    )
    return authorisation


def authorisation_in_force(
    customer: Customer, day: dt.date, *, lock: bool = False
) -> tuple[CreditAuthorisation | None, str]:
    """The authorisation a look on ``day`` relies on, and ``""``; or, when none is in
    force, the one that explains why (expired, revoked) and the refusal reason."""
    rows = CreditAuthorisation.objects.filter(customer=customer)
    valid = rows.filter(
        revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day
    ).order_by("-valid_until", "-id")
    if lock:
        valid = valid.select_for_update()
    current = valid.first()
    if current is not None:
        return current, ""
    expired = (
        rows.filter(revoked_at__isnull=True, valid_until__lt=day)
        .order_by("-valid_until", "-id")
        .first()
    )
    if expired is not None:
        return expired, RefusalReason.EXPIRED
    revoked = rows.filter(revoked_at__isnull=False).order_by("-revoked_at").first()
    if revoked is not None:
        return revoked, RefusalReason.REVOKED
    return None, RefusalReason.NO_AUTHORISATION


# --- looking at a credit report ----------------------------------------------------


@dataclass(frozen=True)
class CreditOpening:
    """What a look at a credit report came to: the record it left, and the file when
    it was allowed."""

    record: CreditQueryRecord
    data: bytes | None = None

    @property
    def allowed(self) -> bool:
        return self.record.outcome == QueryOutcome.ALLOWED

    @property
    def reason(self) -> str:
        return refusal_message(self.record)


def refusal_message(record: CreditQueryRecord) -> str:
    """Why a look was refused, in words for the person who asked."""
    authorisation = record.authorisation
    if record.refusal == RefusalReason.NO_PURPOSE:
        return _("Choose the purpose of this credit query.")
    if record.refusal == RefusalReason.EXPIRED and authorisation is not None:
        return _(
            "The customer's credit query authorisation expired on %(day)s: record "
            "a new signed authorisation or consent first."
        ) % {"day": authorisation.valid_until.isoformat()}
    if record.refusal == RefusalReason.REVOKED and authorisation is not None:
        return _("The customer revoked the credit query authorisation on %(day)s.") % {
            "day": timezone.localdate(authorisation.revoked_at).isoformat()
        }
    if record.refusal:
        return _(
            "The customer has not authorised a credit query: record the signed "
            "authorisation form or the customer's consent first."
        )
    return ""


@transaction.atomic
def credit_report_open(
    *,
    actor,
    document: CustomerDocument,
    purpose: str,
    purpose_note: str = "",
    method: str = QueryMethod.VIEW,
) -> CreditOpening:
    """Look at a credit report. Bad input (an unknown purpose or method, a document
    that is not a credit report) is refused naming the field and writes nothing; a
    look without a purpose or without an authorisation in force is refused and
    recorded; an allowed look is recorded and returns the file."""
    ensure_owned(document.customer)
    purpose = purpose or ""
    texts = {"purpose_note": purpose_note or ""}
    errors = clean_texts(texts)
    errors.update(_open_errors(document, purpose, method, texts["purpose_note"]))
    if errors:
        raise ValidationError(errors)
    authorisation, refusal = authorisation_in_force(
        document.customer, timezone.localdate(), lock=True
    )
    if not purpose:
        refusal = RefusalReason.NO_PURPOSE
    record = _record(
        actor, document, purpose, texts["purpose_note"], method, authorisation, refusal
    )
    _audit_look(actor, record)
    if refusal:
        return CreditOpening(record=record)
    timeline(
        document.customer,
        actor,
        "credit_viewed",
        _("Credit report viewed: %(purpose)s")
        % {"purpose": record.get_purpose_display()},
    )
    return CreditOpening(record=record, data=document_bytes(document))


def _open_errors(document, purpose, method, purpose_note) -> dict:
    errors: dict[str, list[str]] = {}
    if document.kind != DocumentKind.CREDIT_REPORT:
        errors["document"] = [_("This document is not a credit report.")]
    if purpose and purpose not in CreditPurpose.values:
        errors["purpose"] = [_("Choose a purpose from the list.")]
    if method not in QueryMethod.values:
        errors["method"] = [_("Choose to view or to download the report.")]
    if len(purpose_note) > PURPOSE_NOTE_MAX:
        errors["purpose_note"] = [_("At most 200 characters.")]
    return errors


def _content(document: CustomerDocument) -> str:
    """What was looked at, in the firm's language, as the log keeps it."""
    with translation.override(settings.LANGUAGE_CODE):
        kind = str(DocumentKind(document.kind).label)
    return ("%s v%d · %s" % (kind, document.version, document.filename))[:200]


def _record(actor, document, purpose, note, method, authorisation, refusal):
    return CreditQueryRecord.objects.create(
        customer=document.customer,
        document=document,
        staff=actor,
        staff_name=(actor.display_name or actor.username)[:80],
        method=method,
        content=_content(document),
        purpose=purpose,
        purpose_note=note,
        authorisation=authorisation,
        outcome=QueryOutcome.REFUSED if refusal else QueryOutcome.ALLOWED,
        refusal=refusal,
    )


def _audit_look(actor, record: CreditQueryRecord) -> None:
    audit_record(
        actor=actor,
        action=AUDIT_REFUSED if record.refusal else AUDIT_VIEWED,
        target=record.customer,
        changes={
            "query": record.pk,
            "document": record.document_id,
            "method": record.method,
            "authorisation": record.authorisation_id,
        },
        purpose=("%s %s" % (record.purpose, record.purpose_note)).strip()[:200],
        result="refused" if record.refusal else "ok",
        reason=str(record.refusal),
    )


@transaction.atomic
def credit_consent_record(
    *,
    actor,
    customer: Customer,
    method: str,
    source_label: str,
    valid_from: dt.date,
    valid_until: dt.date,
    note: str = "",
    scan=None,
) -> CreditAuthorisation:
    """The page's "record a consent": its evidence, and the scan (stored as one of
    the customer's documents) when there is one — all or nothing."""
    ensure_owned(customer)
    _checked_grant(method, _day(valid_from), _day(valid_until), source_label, note)
    document = None
    if scan is not None:
        kind = (
            DocumentKind.CONTRACT
            if method == AuthorisationMethod.SIGNED_FORM
            else DocumentKind.OTHER
        )
        try:
            document = document_upload(
                actor=actor, customer=customer, kind=kind, upload=scan
            )
        except ValidationError as exc:
            raise ValidationError({"scan": exc.messages}) from exc
    return credit_authorisation_grant(
        actor,
        customer,
        method=method,
        valid_until=valid_until,
        source_label=source_label,
        document=document,
        valid_from=valid_from,
        note=note,
    )
