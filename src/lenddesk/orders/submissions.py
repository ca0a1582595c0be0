"""Funder submission (资方进件): the completeness check against the product's and the
current step's required documents, the submission record per funder, the funder's
decision, withdrawing, and re-submitting to another funder with the history kept.

A submission is never changed after its answer: deciding and withdrawing are one
conditional UPDATE from ``pending``, so of two answers to the same submission exactly
one is recorded and the other gets ``already_decided``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.grants import refusal
from lenddesk.accounts.models import User
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import CustomerDocument, DocumentKind
from lenddesk.customers.services import timeline
from lenddesk.notifications.services import notify
from lenddesk.orders.errors import OrderError
from lenddesk.orders.loan_selectors import order_page_url
from lenddesk.orders.models import Order, OrderStatus, Submission, SubmissionStatus
from lenddesk.products.models import Product

# Audit actions of the loan modules (labels: var/i18n/loans.json).
SUBMISSION_CREATED = "orders.submission_created"
SUBMISSION_DECIDED = "orders.submission_decided"
SUBMISSION_WITHDRAWN = "orders.submission_withdrawn"

CENT = Decimal("0.01")
RATE_STEP = Decimal("0.0001")
RATE_MAX = Decimal("36")
TERM_MAX = 480
# An approval above this multiple of the amount requested is a typing error.
APPROVAL_SANITY = Decimal("1.5")
DECISIONS = (SubmissionStatus.APPROVED, SubmissionStatus.REJECTED)
PENDING_ELSEWHERE = "conflict"  # 409 in web.errors.ERROR_STATUS


@dataclass(frozen=True)
class Completeness:
    """What the funder needs against what the customer's dossier holds."""

    required: list[tuple[str, str]]  # (document kind, label)
    missing: list[tuple[str, str]]
    to_confirm: list[str]  # requirements that are not a document kind: by hand

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def missing_labels(self) -> list[str]:
        return [label for _kind, label in self.missing]


def _requirement(item) -> str:
    if isinstance(item, dict):
        item = item.get("kind") or item.get("key") or item.get("name") or ""
    return str(item or "").strip()


def submission_check(*, order: Order, product: Product) -> Completeness:
    """The product's required documents and those of the order's current step,
    against the kinds of document the customer has uploaded."""
    labels = dict(DocumentKind.choices)
    wanted: list[str] = []
    for item in [*product.required_documents, *order.node.required_documents]:
        code = _requirement(item)
        if code and code not in wanted:
            wanted.append(code)
    held = set(
        CustomerDocument.objects.filter(customer_id=order.customer_id).values_list(
            "kind", flat=True
        )
    )
    required = [(c, str(labels[c])) for c in wanted if c in labels]
    return Completeness(
        required=required,
        missing=[(c, label) for c, label in required if c not in held],
        to_confirm=[c for c in wanted if c not in labels],
    )


def _documents_sent(order: Order, required: set[str]) -> list[dict]:
    """The latest version of each kind in the dossier, as the funder received it."""
    latest = (
        CustomerDocument.objects.filter(customer_id=order.customer_id)
        .values("kind")
        .annotate(version=Max("version"))
    )
    versions = {row["kind"]: row["version"] for row in latest}
    documents = CustomerDocument.objects.filter(
        customer_id=order.customer_id, kind__in=list(versions)
    ).order_by("kind", "-version")
    return [
        {
            "id": d.pk,
            "kind": d.kind,
            "version": d.version,
            "filename": d.filename,
            "required": d.kind in required,
        }
        for d in documents
        if versions.get(d.kind) == d.version
    ]


def ensure_order_open(order: Order) -> None:
    if order.status != OrderStatus.OPEN:
        raise ValidationError(
            _("This order is closed: nothing can be added to it."),
            code=OrderError.ORDER_CLOSED,
        )


def _pending_refusal(product: Product) -> ValidationError:
    return refusal(
        "product",
        _(
            "%(funder)s has not answered this order's last submission yet: wait "
            "for the answer or withdraw it first."
        )
        % {"funder": product.funder.name},
        PENDING_ELSEWHERE,
    )


@transaction.atomic
def submission_create(*, actor: User, order: Order, product: Product) -> Submission:
    """Send the order to the product's funder. Refused while documents are missing
    (named) and while the same funder has not answered an earlier submission."""
    ensure_order_open(order)
    if not product.is_active:
        raise refusal("product", _("This product is no longer offered."), "invalid")
    check = submission_check(order=order, product=product)
    if not check.ok:
        raise refusal(
            "documents",
            _("Documents missing: %s") % "、".join(check.missing_labels),
            OrderError.DOCUMENTS_MISSING,
        )
    pending = Submission.objects.filter(
        order=order, funder_id=product.funder_id, status=SubmissionStatus.PENDING
    )
    if pending.exists():
        raise _pending_refusal(product)
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                order=order,
                funder_id=product.funder_id,
                product=product,
                documents=_documents_sent(order, {c for c, _l in check.required}),
                submitted_by=actor,
            )
    except IntegrityError:  # the same funder, submitted a moment ago
        raise _pending_refusal(product) from None
    timeline(
        order.customer,
        actor,
        "order",
        _("Order %(number)s submitted to %(funder)s (%(product)s)")
        % {
            "number": order.number,
            "funder": product.funder.name,
            "product": product.name,
        },
    )
    audit_record(
        actor=actor,
        action=SUBMISSION_CREATED,
        target=order,
        changes={
            "submission": submission.pk,
            "funder": product.funder.name,
            "product": product.name,
            "documents": [d["kind"] for d in submission.documents],
        },
    )
    return submission


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _approval_terms(order: Order, amount, rate, term) -> dict:
    """The approved amount, rate and term, checked; field errors name the field."""
    errors: dict[str, str] = {}
    amount, rate = _decimal(amount), _decimal(rate)
    ceiling = (order.amount * APPROVAL_SANITY).quantize(CENT, ROUND_HALF_UP)
    if amount is None or amount <= 0:
        errors["amount"] = _("Enter the approved amount, more than zero.")
    elif amount > ceiling:
        errors["amount"] = _(
            "The approved amount is more than 1.5 times the %(asked)s yuan asked "
            "for: check it."
        ) % {"asked": order.amount}
    if rate is None or not (0 <= rate <= RATE_MAX):
        errors["rate"] = _("Enter the approved annual rate, 0 to 36 percent.")
    if not isinstance(term, int) or isinstance(term, bool) or not 1 <= term <= TERM_MAX:
        errors["term"] = _("Enter the approved term, 1 to 480 months.")
    if errors:
        raise ValidationError(errors)
    return {
        "approved_amount": amount.quantize(CENT, ROUND_HALF_UP),
        "approved_rate": rate.quantize(RATE_STEP, ROUND_HALF_UP),
        "approved_term": term,
    }


def _already_answered() -> ValidationError:
    return refusal(
        "decision",
        _("This submission has already been answered or withdrawn."),
        OrderError.ALREADY_DECIDED,
    )


@transaction.atomic
def submission_decide(
    *,
    actor: User,
    submission: Submission,
    decision: str,
    amount=None,
    rate=None,
    term: int | None = None,
    reason: str = "",
) -> Submission:
    """Record the funder's answer: approved with amount, annual rate (percent) and
    term (months), or rejected with a reason. Once only."""
    if submission.status != SubmissionStatus.PENDING:
        raise _already_answered()
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose approved or rejected.")})
    reason = (reason or "").strip()
    if decision == SubmissionStatus.APPROVED:
        values = _approval_terms(submission.order, amount, rate, term)
    elif not reason:
        raise ValidationError({"reason": _("Write the funder's reason for rejecting.")})
    else:
        values = {"rejection_reason": reason[:300]}
    now = timezone.now()
    won = Submission.objects.filter(
        pk=submission.pk, status=SubmissionStatus.PENDING
    ).update(status=decision, decided_by=actor, decided_at=now, **values)
    if not won:
        raise _already_answered()
    submission.refresh_from_db()
    _tell_about_decision(actor, submission)
    return submission


def _tell_about_decision(actor: User, submission: Submission) -> None:
    order = submission.order
    funder = submission.funder.name
    if submission.status == SubmissionStatus.APPROVED:
        summary = _(
            "%(funder)s approved order %(number)s: %(amount)s yuan at %(rate)s%% "
            "for %(term)d months"
        ) % {
            "funder": funder,
            "number": order.number,
            "amount": submission.approved_amount,
            "rate": submission.approved_rate.normalize(),
            "term": submission.approved_term,
        }
    else:
        summary = _("%(funder)s rejected order %(number)s: %(reason)s") % {
            "funder": funder,
            "number": order.number,
            "reason": submission.rejection_reason,
        }
    timeline(order.customer, actor, "order", summary)
    audit_record(
        actor=actor,
        action=SUBMISSION_DECIDED,
        target=order,
        changes={
            "submission": submission.pk,
            "funder": funder,
            "decision": submission.status,
            "amount": submission.approved_amount,
            "rate": submission.approved_rate,
            "term": submission.approved_term,
            "reason": submission.rejection_reason,
        },
    )
    notify(
        recipients=[u for u in (order.owner, order.processor) if u != actor],
        kind="orders.submission_decided",
        title=summary,
        url=order_page_url(order),
        target=order,
        dedupe_key="submission-decided:%d" % submission.pk,
    )


@transaction.atomic
def submission_withdraw(
    *, actor: User, submission: Submission, reason: str
) -> Submission:
    """Take a submission back before the funder answers (to send it elsewhere)."""
    reason = (reason or "").strip()
    if submission.status != SubmissionStatus.PENDING:
        raise _already_answered()
    if not reason:
        raise ValidationError({"reason": _("Say why the submission is withdrawn.")})
    won = Submission.objects.filter(
        pk=submission.pk, status=SubmissionStatus.PENDING
    ).update(
        status=SubmissionStatus.WITHDRAWN,
        withdraw_reason=reason[:300],
        decided_by=actor,
        decided_at=timezone.now(),
    )
    if not won:
        raise _already_answered()
    submission.refresh_from_db()
    order = submission.order
    timeline(
        order.customer,
        actor,
        "order",
        _("Submission of order %(number)s to %(funder)s withdrawn: %(reason)s")
        % {"number": order.number, "funder": submission.funder.name, "reason": reason},
    )
    audit_record(
        actor=actor,
        action=SUBMISSION_WITHDRAWN,
        target=order,
        changes={"submission": submission.pk, "reason": reason[:300]},
    )
    return submission


__all__ = [
    "Completeness",
    "ensure_order_open",
    "submission_check",
    "submission_create",
    "submission_decide",
    "submission_withdraw",
]
