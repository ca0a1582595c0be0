"""The custody register of originals (原件保管): receive, move, check out, check in,
return to the customer. Nothing is changed or removed: every step appends an entry,
and where an original is and who has it is its latest entry.

Two steps on the same original at once: the item row is locked first (PostgreSQL;
SQLite lets one writer in at a time), then its latest entry decides whether the
step is allowed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.services import audit_record, audit_records
from lenddesk.customers.documents import document_upload
from lenddesk.customers.models import CustomerDocument, DocumentKind
from lenddesk.notifications.services import notify
from lenddesk.orders.models import Order
from lenddesk.warrants.errors import WarrantError, refusal
from lenddesk.warrants.models import (
    CustodyAction,
    CustodyEntry,
    CustodyItem,
    OriginalKind,
)
from lenddesk.warrants.services.common import (
    WarrantAudit,
    ensure_order_open,
    ensure_participant,
    page_url,
)

IN_CUSTODY = (CustodyAction.RECEIVED, CustodyAction.MOVED, CustodyAction.CHECKED_IN)
MAX_ITEMS = 20
RECEIPT_SCAN_KIND = DocumentKind.OTHER
AUDIT_OF = {
    CustodyAction.RECEIVED: WarrantAudit.RECEIVED,
    CustodyAction.MOVED: WarrantAudit.MOVED,
    CustodyAction.CHECKED_OUT: WarrantAudit.CHECKED_OUT,
    CustodyAction.CHECKED_IN: WarrantAudit.CHECKED_IN,
    CustodyAction.RETURNED: WarrantAudit.RETURNED,
}


# --- receipt numbers ----------------------------------------------------------------


def _generated(year: int) -> re.Pattern:
    return re.compile(r"^SJ%d-[0-9]{5}$" % year)


def _lock_numbering(tenant_id: int) -> None:
    """One receipt number at a time per firm: a transaction-scoped advisory lock on
    PostgreSQL (SQLite admits one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('custody-receipt'), %s::integer)",
                [tenant_id],
            )


def next_receipt_number(tenant_id: int) -> str:
    """The firm's next receipt number of this year (SJ2026-00001, …), without gaps:
    it is taken inside the receiving transaction, so a refused receipt uses none."""
    _lock_numbering(tenant_id)
    year = timezone.localdate().year
    last = (
        CustodyItem.objects.filter(receipt_number__regex=_generated(year).pattern)
        .order_by("-receipt_number")
        .values_list("receipt_number", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return "SJ%d-%05d" % (year, number)


def _entered_receipt(order: Order, entered: str) -> str:
    """An entered number: a paper receipt's own, or one of ours to add to."""
    same = CustodyItem.objects.filter(receipt_number=entered)
    if same.exclude(order=order).exists():
        raise refusal(
            "receipt_number",
            _("This receipt number belongs to another order."),
            WarrantError.RECEIPT_NUMBER_INVALID,
        )
    if _generated(timezone.localdate().year).match(entered) and not same.exists():
        raise refusal(
            "receipt_number",
            _("Numbers like this are given by the system: leave it blank."),
            WarrantError.RECEIPT_NUMBER_INVALID,
        )
    return entered


# --- receiving ----------------------------------------------------------------------


@dataclass(frozen=True)
class Original:
    kind: str
    holder: str
    number: str = ""


def _text(field: str, value: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise refusal(field, _("This field is required."), "required")
    if len(value) > limit:
        raise refusal(field, _("At most %(n)d characters.") % {"n": limit}, "invalid")
    return value


def _check_originals(originals: list[Original]) -> None:
    if not originals:
        raise refusal("items", _("List at least one original paper."), "required")
    if len(originals) > MAX_ITEMS:
        raise refusal(
            "items",
            _("At most %(n)d papers per receipt.") % {"n": MAX_ITEMS},
            "invalid",
        )
    seen = set()
    for original in originals:
        if original.kind not in OriginalKind.values:
            raise refusal("items", _("Choose the kind of each paper."), "invalid")
        _text("items", original.holder, 80)
        _text("items", original.number, 60, required=False)
        key = (original.kind, original.number.strip())
        if key in seen:
            raise refusal("items", _("The same paper is listed twice."), "invalid")
        seen.add(key)


@transaction.atomic
def custody_receive(
    *,
    actor,
    order: Order,
    originals: list[Original],
    received_from: str,
    location: str,
    receipt_number: str = "",
) -> list[CustodyItem]:
    """Originals received from the customer against one receipt (收件单)."""
    ensure_order_open(order, _("The order is cancelled: no originals are received."))
    received_from = _text("received_from", received_from, 80)
    location = _text("location", location, 80)
    _check_originals(originals)
    entered = _text("receipt_number", receipt_number, 32, required=False)
    number = (
        _entered_receipt(order, entered)
        if entered
        else next_receipt_number(order.tenant_id)
    )
    existing = set(
        CustodyItem.objects.filter(receipt_number=number).values_list("kind", "number")
    )
    if any((o.kind, o.number.strip()) in existing for o in originals):
        raise refusal("items", _("This paper is already on this receipt."), "invalid")
    now = timezone.now()
    items = []
    for original in originals:
        item = CustodyItem.objects.create(
            order=order,
            kind=original.kind,
            number=original.number.strip(),
            holder=original.holder.strip(),
            received_from=received_from,
            receipt_number=number,
            received_by=actor,
            received_at=now,
        )
        CustodyEntry.objects.create(
            item=item,
            action=CustodyAction.RECEIVED,
            location=location,
            custodian=actor,
            actor=actor,
        )
        items.append(item)
    ensure_participant(order, actor)
    audit_records([_audit_entry(actor, item, CustodyAction.RECEIVED) for item in items])
    return items


def _item_repr(item: CustodyItem) -> str:
    return "%s · %s %s" % (item.receipt_number, item.get_kind_display(), item.number)


def _audit_entry(actor, item: CustodyItem, action: str, **facts) -> dict:
    return {
        "actor": actor,
        "action": AUDIT_OF[action],
        "target": item,
        "object_repr": _item_repr(item)[:200],
        "changes": {"order": item.order.number, "action": action, **facts},
    }


# --- the steps after receiving --------------------------------------------------------


def latest_entry(item: CustodyItem) -> CustodyEntry | None:
    return CustodyEntry.objects.filter(item=item).order_by("-id").first()


def _lock(item: CustodyItem) -> CustodyEntry:
    """Lock the original and answer its latest entry (its current state)."""
    if connection.vendor == "postgresql":
        list(CustodyItem.objects.select_for_update().filter(pk=item.pk).values("pk"))
    latest = latest_entry(item)
    if latest is None:  # pragma: no cover - receiving writes the first entry
        raise refusal(
            None, _("This original has no record."), WarrantError.NOT_IN_CUSTODY
        )
    if latest.action == CustodyAction.RETURNED:
        raise refusal(
            None,
            _("This original was returned to the customer."),
            WarrantError.ALREADY_RETURNED,
        )
    return latest


def _require_in_custody(latest: CustodyEntry) -> None:
    if latest.action == CustodyAction.CHECKED_OUT:
        raise refusal(
            None,
            _("This original is checked out to %(who)s: check it in first.")
            % {"who": latest.custodian},
            WarrantError.ALREADY_OUT,
        )


def _append(actor, item: CustodyItem, action: str, **fields) -> CustodyEntry:
    entry = CustodyEntry.objects.create(item=item, action=action, actor=actor, **fields)
    facts = {
        "location": entry.location,
        "custodian": entry.custodian_id,
        "reason": entry.reason,
        "due_back_at": entry.due_back_at.isoformat() if entry.due_back_at else None,
        "receipt_scan": entry.receipt_scan_id,
    }
    audit_record(**_audit_entry(actor, item, action, **facts))
    return entry


@transaction.atomic
def custody_check_out(
    *,
    actor,
    item: CustodyItem,
    to: User,
    reason: str,
    due_back_at: dt.datetime,
    recorded_late: bool = False,
) -> CustodyEntry:
    """Hand an original to a colleague (for registration, the bank, notarisation)
    until ``due_back_at``. A check-out written down after the fact (补录) may name a
    due-back time already past: the register then shows it overdue at once."""
    latest = _lock(item)
    _require_in_custody(latest)
    if to is None or not to.is_active:
        raise refusal("to", _("Choose an active colleague."), "invalid")
    reason = _text("reason", reason, 300)
    if due_back_at is None or (not recorded_late and due_back_at <= timezone.now()):
        raise refusal(
            "due_back_at", _("The due-back time must be later than now."), "invalid"
        )
    entry = _append(
        actor,
        item,
        CustodyAction.CHECKED_OUT,
        location=latest.location,
        custodian=to,
        reason=reason,
        due_back_at=due_back_at,
    )
    ensure_participant(item.order, to)
    if to.pk != actor.pk:
        notify(
            recipients=[to],
            kind="warrants.custody",
            title=_("An original was checked out to you: %(item)s")
            % {"item": _item_repr(item)},
            body=_("Due back %(when)s")
            % {"when": timezone.localtime(due_back_at).strftime("%Y-%m-%d %H:%M")},
            url=page_url("warrants:item", item.pk),
            target=item,
        )
    return entry


@transaction.atomic
def custody_check_in(
    *, actor, item: CustodyItem, location: str = "", reason: str = ""
) -> CustodyEntry:
    latest = _lock(item)
    if latest.action != CustodyAction.CHECKED_OUT:
        raise refusal(
            None, _("This original is not checked out."), WarrantError.NOT_OUT
        )
    location = _text("location", location, 80, required=False) or latest.location
    return _append(
        actor,
        item,
        CustodyAction.CHECKED_IN,
        location=location,
        custodian=actor,
        reason=_text("reason", reason, 300, required=False),
    )


@transaction.atomic
def custody_move(
    *, actor, item: CustodyItem, location: str, reason: str = ""
) -> CustodyEntry:
    latest = _lock(item)
    _require_in_custody(latest)
    location = _text("location", location, 80)
    if location == latest.location:
        raise refusal("location", _("The original is already there."), "invalid")
    return _append(
        actor,
        item,
        CustodyAction.MOVED,
        location=location,
        custodian=actor,
        reason=_text("reason", reason, 300, required=False),
    )


def _scan_document(actor, item, *, upload, document_id) -> CustomerDocument:
    customer = item.order.customer
    if upload is not None:
        return document_upload(
            actor=actor, customer=customer, kind=RECEIPT_SCAN_KIND, upload=upload
        )
    document = (
        CustomerDocument.objects.filter(pk=document_id, customer=customer).first()
        if document_id
        else None
    )
    if document is None:
        raise refusal(
            "receipt_scan",
            _("Upload the return receipt signed by the customer."),
            WarrantError.RECEIPT_REQUIRED,
        )
    return document


@transaction.atomic
def custody_return(
    *,
    actor,
    item: CustodyItem,
    returned_to: str,
    upload=None,
    document_id: int | None = None,
    note: str = "",
) -> CustodyEntry:
    """Give the original back to the customer against a signed return receipt: its
    scan (an upload, or a document already in the customer's file) is kept in the
    customer's documents. Without one the return is refused."""
    latest = _lock(item)
    if latest.action == CustodyAction.CHECKED_OUT:
        raise refusal(
            None,
            _("This original is checked out: check it in before returning it."),
            WarrantError.NOT_IN_CUSTODY,
        )
    returned_to = _text("returned_to", returned_to, 80)
    note = _text("note", note, 200, required=False)
    if upload is None and not document_id:
        raise refusal(
            "receipt_scan",
            _("Upload the return receipt signed by the customer."),
            WarrantError.RECEIPT_REQUIRED,
        )
    document = _scan_document(actor, item, upload=upload, document_id=document_id)
    reason = _("Returned to %(who)s") % {"who": returned_to}
    return _append(
        actor,
        item,
        CustodyAction.RETURNED,
        location="",
        custodian=None,
        reason=("%s. %s" % (reason, note) if note else reason)[:300],
        receipt_scan=document,
    )
