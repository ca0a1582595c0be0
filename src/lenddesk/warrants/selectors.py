"""Every read of the warrant centre.

Tasks and originals follow their order: visible to whoever may see the order's
customer (the model's ``SCOPE_OWNER``), plus everyone who handles the order
(``OrderParticipant``, which the warrant services add) and a task's own handler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from lenddesk.accounts.selectors import people_with_code
from lenddesk.customers.models import CustomerDocument, DocumentKind
from lenddesk.orders.models import Order, OrderParticipant
from lenddesk.warrants.models import (
    CustodyAction,
    CustodyEntry,
    CustodyItem,
    WarrantKind,
    WarrantStatus,
    WarrantTask,
)
from lenddesk.warrants.permissions import WarrantPermission

PAGE_SIZE = 50
IN_CUSTODY = (CustodyAction.RECEIVED, CustodyAction.MOVED, CustodyAction.CHECKED_IN)
DOCUMENTS_FOR = {
    WarrantKind.APPRAISAL: [DocumentKind.PROPERTY_CERTIFICATE, DocumentKind.ID_CARD],
    WarrantKind.NOTARY: [DocumentKind.ID_CARD, DocumentKind.CONTRACT],
    WarrantKind.MORTGAGE_REGISTRATION: [
        DocumentKind.PROPERTY_CERTIFICATE,
        DocumentKind.ID_CARD,
        DocumentKind.CONTRACT,
        DocumentKind.BUSINESS_LICENCE,
    ],
    WarrantKind.RELEASE: [DocumentKind.PROPERTY_CERTIFICATE, DocumentKind.CONTRACT],
    WarrantKind.CERTIFICATE: [DocumentKind.PROPERTY_CERTIFICATE, DocumentKind.ID_CARD],
}


# --- orders and documents -------------------------------------------------------------


def order_documents(*, order: Order, kinds=None) -> list[CustomerDocument]:
    """The order's customer's documents (the order is already in reach), the
    newest version of each kind first."""
    documents = CustomerDocument.objects.filter(customer_id=order.customer_id)
    if kinds:
        documents = documents.filter(kind__in=list(kinds))
    return list(documents.select_related("uploaded_by").order_by("kind", "-version"))


def order_document_get(*, order: Order, document_id: int) -> CustomerDocument:
    documents = CustomerDocument.objects.filter(customer_id=order.customer_id)
    return get_object_or_404(documents.select_related("customer"), pk=document_id)


def handler_choices() -> QuerySet:
    """Colleagues who may handle warrant tasks."""
    return people_with_code(WarrantPermission.MANAGE.value)


# --- tasks ------------------------------------------------------------------------------


def tasks_visible_to(actor) -> QuerySet:
    extra = WarrantTask.objects.filter(
        Q(order_id__in=OrderParticipant.order_ids_of(actor)) | Q(handler=actor)
    )
    return WarrantTask.objects.visible_to(actor) | extra


def task_get(*, actor, task_id: int) -> WarrantTask:
    tasks = tasks_visible_to(actor).select_related(
        "order", "order__customer", "handler", "created_by"
    )
    return get_object_or_404(tasks, pk=task_id)


def order_tasks(*, actor, order: Order) -> list[WarrantTask]:
    tasks = tasks_visible_to(actor).filter(order=order).select_related("handler")
    return list(tasks.order_by("id"))


@dataclass
class TaskFilters:
    kind: str = ""
    status: str = ""
    handler: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    order: int | None = None


@dataclass
class TaskList:
    page: Page
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(tasks: QuerySet, filters: TaskFilters) -> QuerySet:
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.handler:
        tasks = tasks.filter(handler_id=filters.handler)
    if filters.order:
        tasks = tasks.filter(order_id=filters.order)
    if filters.date_from:
        tasks = tasks.filter(appointment_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        end = _day_start(filters.date_to + dt.timedelta(days=1))
        tasks = tasks.filter(appointment_at__lt=end)
    return tasks


def task_list(*, actor, filters: TaskFilters, page: int = 1) -> TaskList:
    """Tasks in reach with the filters, a page of them and the count per status
    (one grouped query, before the status filter: the tabs' numbers)."""
    tasks = _filtered(tasks_visible_to(actor), filters)
    counts = {
        row["status"]: row["n"]
        for row in tasks.order_by().values("status").annotate(n=Count("id"))
    }
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    tasks = tasks.select_related("order", "order__customer", "handler").order_by(
        "status", "appointment_at", "id"
    )
    paginator = Paginator(tasks, PAGE_SIZE)
    return TaskList(
        page=paginator.get_page(page),
        counts={s: counts.get(s, 0) for s in WarrantStatus.values},
        total=sum(counts.values()),
    )


def week_tasks(*, actor, handler_id: int, monday: dt.date) -> list[WarrantTask]:
    """The handler's appointments of the week starting ``monday`` (in reach)."""
    start = _day_start(monday)
    tasks = tasks_visible_to(actor).filter(
        handler_id=handler_id,
        appointment_at__gte=start,
        appointment_at__lt=start + dt.timedelta(days=7),
    )
    tasks = tasks.exclude(status=WarrantStatus.CANCELLED)
    return list(
        tasks.select_related("order", "order__customer").order_by("appointment_at")
    )


def unbooked_tasks(*, actor, handler_id: int) -> list[WarrantTask]:
    tasks = tasks_visible_to(actor).filter(
        handler_id=handler_id, status=WarrantStatus.PENDING
    )
    return list(tasks.select_related("order", "order__customer").order_by("id")[:50])


# --- custody ----------------------------------------------------------------------------


def items_visible_to(actor) -> QuerySet:
    extra = CustodyItem.objects.filter(
        order_id__in=OrderParticipant.order_ids_of(actor)
    )
    return CustodyItem.objects.visible_to(actor) | extra


def _with_latest(items: QuerySet) -> QuerySet:
    latest = CustodyEntry.objects.filter(item=OuterRef("pk")).order_by("-id")
    return items.annotate(latest_id=Subquery(latest.values("id")[:1]))


def _attach_current(items: list[CustodyItem]) -> list[CustodyItem]:
    """Each item's latest entry as ``item.current`` (one query for the page)."""
    ids = [item.latest_id for item in items]
    entries = CustodyEntry.objects.filter(pk__in=ids).select_related("custodian")
    by_id = {entry.pk: entry for entry in entries}
    now = timezone.now()
    for item in items:
        item.current = by_id.get(item.latest_id)
        item.is_overdue = _overdue(item.current, now)
    return items


def _overdue(entry: CustodyEntry | None, now: dt.datetime) -> bool:
    return bool(
        entry is not None
        and entry.action == CustodyAction.CHECKED_OUT
        and entry.due_back_at is not None
        and entry.due_back_at < now
    )


STATES = {
    "in": IN_CUSTODY,
    "out": (CustodyAction.CHECKED_OUT,),
    "returned": (CustodyAction.RETURNED,),
}


@dataclass
class CustodyFilters:
    state: str = ""  # in | out | returned
    overdue: bool = False
    kind: str = ""
    q: str = ""
    custodian: int | None = None
    order: int | None = None


def _latest_matching(**conditions) -> QuerySet:
    return CustodyEntry.objects.filter(**conditions).values("id")


def _custody_filtered(items: QuerySet, filters: CustodyFilters) -> QuerySet:
    if filters.state in STATES:
        wanted = _latest_matching(action__in=STATES[filters.state])
        items = items.filter(latest_id__in=wanted)
    if filters.overdue:
        late = _latest_matching(
            action=CustodyAction.CHECKED_OUT, due_back_at__lt=timezone.now()
        )
        items = items.filter(latest_id__in=late)
    if filters.custodian:
        items = items.filter(
            latest_id__in=_latest_matching(custodian=filters.custodian)
        )
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.order:
        items = items.filter(order_id=filters.order)
    if filters.q:
        q = filters.q.strip()[:60]
        items = items.filter(
            Q(receipt_number__icontains=q)
            | Q(number__icontains=q)
            | Q(holder__icontains=q)
            | Q(order__number__icontains=q)
        )
    return items


@dataclass
class CustodyList:
    page: Page
    total: int = 0
    overdue: int = 0


def custody_register(*, actor, filters: CustodyFilters, page: int = 1) -> CustodyList:
    items = _custody_filtered(_with_latest(items_visible_to(actor)), filters)
    items = items.select_related("order", "order__customer", "received_by")
    paginator = Paginator(items.order_by("-received_at", "-id"), PAGE_SIZE)
    current = paginator.get_page(page)
    _attach_current(list(current.object_list))
    overdue = _with_latest(items_visible_to(actor)).filter(
        latest_id__in=_latest_matching(
            action=CustodyAction.CHECKED_OUT, due_back_at__lt=timezone.now()
        )
    )
    return CustodyList(page=current, total=paginator.count, overdue=overdue.count())


def item_get(*, actor, item_id: int) -> CustodyItem:
    items = _with_latest(items_visible_to(actor)).select_related(
        "order", "order__customer", "received_by"
    )
    item = get_object_or_404(items, pk=item_id)
    return _attach_current([item])[0]


def item_entries(*, item: CustodyItem) -> list[CustodyEntry]:
    entries = CustodyEntry.objects.filter(item=item).select_related(
        "custodian", "actor", "receipt_scan"
    )
    return list(entries.order_by("id"))


def order_items(*, actor, order: Order) -> list[CustodyItem]:
    items = _with_latest(items_visible_to(actor)).filter(order=order)
    return _attach_current(list(items.order_by("receipt_number", "id")))


def receipt_items(*, actor, item: CustodyItem) -> list[CustodyItem]:
    """The originals on the same receipt (收件单) as ``item``."""
    items = items_visible_to(actor).filter(
        receipt_number=item.receipt_number, order_id=item.order_id
    )
    return list(items.select_related("received_by").order_by("id"))


def overdue_checkouts() -> list[CustodyItem]:
    """Firm-wide (the daily job): originals whose latest entry is a check-out past
    its due-back time."""
    late = _latest_matching(
        action=CustodyAction.CHECKED_OUT, due_back_at__lt=timezone.now()
    )
    items = _with_latest(CustodyItem.objects.all()).filter(latest_id__in=late)
    return _attach_current(list(items.select_related("order").order_by("id")))


def my_overdue_checkouts(*, actor, limit: int = 10) -> list[CustodyItem]:
    late = _latest_matching(
        action=CustodyAction.CHECKED_OUT, due_back_at__lt=timezone.now()
    )
    items = _with_latest(items_visible_to(actor)).filter(latest_id__in=late)
    items = items.select_related("order").order_by("id")[:limit]
    return _attach_current(list(items))
