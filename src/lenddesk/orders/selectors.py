"""Every read of orders, starting from ``Order.objects.visible_to(actor)``: an order is
visible to whoever may see its customer's owner, plus everyone taking part in it.

Lists are keyset pages (newest first by ``before=<id>``, or by amount with a
``cursor``); the board reads one page per column and counts every column in one
grouped query, never the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from lenddesk.accounts.models import Department, User, UserStatus
from lenddesk.accounts.scope import scope_q, sees_only_own
from lenddesk.accounts.selectors import users_visible_to
from lenddesk.orders.models import (
    NodeKind,
    Order,
    OrderMove,
    OrderParticipant,
    OrderProduct,
    OrderStatus,
    Workflow,
    WorkflowNode,
)
from lenddesk.orders.services.step_counts import step_counts
from lenddesk.orders.workflow_selectors import flow_steps
from lenddesk.products.models import Funder, Product, ProductType
from lenddesk.web.orm import first_or_none
from lenddesk.web.params import int_or_none

PAGE = 25
COLUMN_PAGE = 10
COUNT_CAP = 10_000
BOARD_STATUSES = (OrderStatus.OPEN, OrderStatus.COMPLETED)
SCAN_CAP = 20_000  # a part-of-the-firm board reads this many (id, step) at most
OWNER_CHOICES_MAX = 300
LIST_RELATED = ("customer", "owner", "processor", "node", "version__workflow")
# what the API's order (OrderSerializer) and a move need: ids of the rest will do
API_RELATED = ("customer", "owner", "node", "version")
SORTS = {
    "newest": ("-id",),
    "oldest": ("id",),
    "amount_desc": ("-amount", "-id"),
    "amount_asc": ("amount", "id"),
}


@dataclass
class OrderFilters:
    status: str = ""
    node: str = ""
    workflow: int | None = None
    product_type: str = ""
    owner: int | None = None
    funder: int | None = None
    customer: int | None = None
    department: int | None = None  # the owner's department and below
    overdue: bool = False
    q: str = ""
    ignored: list[str] = field(default_factory=list)


def filters_from(params, *, default_status: str = "") -> OrderFilters:
    """Filters from a query string; a value not understood is named in ``ignored``
    rather than answering an error or silently widening the list."""
    f = OrderFilters(q=(params.get("q") or "").strip()[:40])
    status = params.get("status", default_status) or ""
    if status in OrderStatus.values or status == "all":
        f.status = "" if status == "all" else status
    elif status:
        f.ignored.append("status")
    f.node = (params.get("node") or "").strip()[:40]
    for name in ("workflow", "owner", "funder", "customer", "department"):
        raw = params.get(name)
        value = int_or_none(raw)
        if raw not in (None, "") and value is None:
            f.ignored.append(name)
        setattr(f, name, value)
    kind = params.get("product_type") or ""
    if kind in ProductType.values:
        f.product_type = kind
    elif kind:
        f.ignored.append("product_type")
    f.overdue = (params.get("overdue") or "") in ("1", "true", "on")
    return f


def orders_visible(actor: User) -> QuerySet[Order]:
    return Order.objects.visible_to(actor)


def orders_filtered(actor: User, f: OrderFilters) -> QuerySet[Order]:
    orders = orders_visible(actor)
    if f.status:
        orders = orders.filter(status=f.status)
    if f.overdue:
        orders = orders.filter(status=OrderStatus.OPEN, is_overdue=True)
    if f.node:
        orders = orders.filter(node__key=f.node)
    if f.workflow:
        orders = orders.filter(version__workflow_id=f.workflow)
    if f.owner:
        orders = orders.filter(owner_id=f.owner)
    if f.customer:
        orders = orders.filter(customer_id=f.customer)
    if f.department:
        path = _path(f.department)
        orders = (
            orders.filter(owner__department__path__startswith=path)
            if path
            else orders.none()
        )
    if f.funder:
        lines = OrderProduct.objects.filter(
            order=OuterRef("pk"), product__funder_id=f.funder
        )
        orders = orders.filter(Exists(lines))
    if f.product_type:
        lines = OrderProduct.objects.filter(
            order=OuterRef("pk"), product__type=f.product_type
        )
        orders = orders.filter(Exists(lines))
    if f.q:
        orders = orders.filter(
            Q(number__startswith=f.q) | Q(customer__name__startswith=f.q)
        )
    return orders


def _path(department_id: int) -> str:
    """The department's tree path ("" for no department of the firm)."""
    path = Department.objects.filter(pk=department_id).values_list("path", flat=True)
    return path.first() or ""


def order_list(
    *,
    actor: User,
    filters: OrderFilters,
    before: int | None = None,
    sort: str = "newest",
    cursor: str = "",
    limit: int = PAGE,
) -> tuple[list[Order], str | None]:
    """One page and the cursor of the next (an id for the id sorts, ``amount~id``
    for the amount sorts), None on the last page."""
    orders = orders_filtered(actor, filters).select_related(*LIST_RELATED)
    orders = orders.order_by(*SORTS.get(sort, SORTS["newest"]))
    orders = _after(orders, sort, before, cursor)
    rows = list(orders[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    if sort in ("amount_desc", "amount_asc"):
        return rows, "%s~%d" % (last.amount, last.pk)
    return rows, str(last.pk)


def _after(orders: QuerySet, sort: str, before: int | None, cursor: str) -> QuerySet:
    if sort == "oldest":
        after = int_or_none(cursor)
        return orders.filter(pk__gt=after) if after else orders
    if sort in ("amount_desc", "amount_asc"):
        amount, _sep, pk = (cursor or "").partition("~")
        pk = int_or_none(pk)
        try:
            value = Decimal(amount)
        except InvalidOperation:
            return orders
        if pk is None or not value.is_finite():
            return orders
        if sort == "amount_desc":
            return orders.filter(Q(amount__lt=value) | Q(amount=value, pk__lt=pk))
        return orders.filter(Q(amount__gt=value) | Q(amount=value, pk__gt=pk))
    before = before or int_or_none(cursor)
    return orders.filter(pk__lt=before) if before else orders


@dataclass(frozen=True)
class Capped:
    count: int
    capped: bool


def capped_count(orders: QuerySet) -> Capped:
    """The count, read no further than ``COUNT_CAP`` rows."""
    count = orders.order_by().values("pk")[: COUNT_CAP + 1].count()
    return Capped(min(count, COUNT_CAP), count > COUNT_CAP)


def status_counts(*, actor: User, filters: OrderFilters) -> dict[str, int]:
    """Orders per status under the other filters, and the overdue ones: two
    grouped reads."""
    base = OrderFilters(**{**filters.__dict__, "status": "", "overdue": False})
    orders = orders_filtered(actor, base).order_by()
    counts = {
        row["status"]: row["n"]
        for row in orders.values("status").annotate(n=Count("pk"))
    }
    counts["all"] = sum(counts.values())
    counts["overdue"] = orders.filter(status=OrderStatus.OPEN, is_overdue=True).count()
    return counts


def order_get(*, actor: User, order_id: int, related=LIST_RELATED) -> Order:
    """An order the actor may see (a 404 for anything else), with ``related``."""
    order = first_or_none(
        Order.objects.reachable(actor, order_id).select_related(*related)
    )
    if order is None:
        raise Http404
    order.reached_by = actor.pk  # services skip checking the reach a second time
    return order


def order_lines(order: Order) -> list[Product]:
    return [
        line.product
        for line in order.lines.select_related("product__funder").order_by("position")
    ]


def _moves(order: Order):
    return (
        OrderMove.objects.filter(order=order)
        .select_related("actor", "from_node", "to_node")
        .order_by("-id")
    )


def order_history(order: Order) -> list[OrderMove]:
    return list(_moves(order))


@dataclass(frozen=True)
class Step:
    node: WorkflowNode
    state: str  # done / current / todo / cancelled


def order_steps(order: Order, nodes: list[WorkflowNode] | None = None) -> list[Step]:
    """The order's flow as a progress bar: steps behind it done, its own current
    (or where it was cancelled), the rest to do; all done once completed."""
    if nodes is None:
        nodes = flow_steps(order)
    here = order.node.position
    steps = []
    for node in nodes:
        if order.status == OrderStatus.COMPLETED or node.position < here:
            state = "done"
        elif node.position == here:
            state = "cancelled" if order.status == OrderStatus.CANCELLED else "current"
        else:
            state = "todo"
        steps.append(Step(node, state))
    return steps


def customer_open_orders(*, actor: User, customer_id: int) -> list[dict]:
    """A customer's running orders with their progress (the customer page)."""
    orders = list(
        orders_visible(actor)
        .filter(customer_id=customer_id, status=OrderStatus.OPEN)
        .select_related("node", "version__workflow")
        .order_by("-id")[:10]
    )
    nodes = _nodes_of({o.version_id for o in orders})
    return [
        {"order": o, "steps": order_steps(o, nodes.get(o.version_id, []))}
        for o in orders
    ]


def _nodes_of(version_ids) -> dict[int, list[WorkflowNode]]:
    nodes: dict[int, list[WorkflowNode]] = {}
    for node in WorkflowNode.objects.filter(version_id__in=version_ids).order_by(
        "version_id", "position"
    ):
        nodes.setdefault(node.version_id, []).append(node)
    return nodes


# --- the board -----------------------------------------------------------------


def workflows_offered() -> QuerySet[Workflow]:
    """Workflows new orders can start on: active, with a published version."""
    return Workflow.objects.filter(is_active=True, current__isnull=False).order_by("pk")


def workflow_choices() -> list[Workflow]:
    return list(workflows_offered().select_related("current"))


def board_columns(
    *, actor: User, workflow: Workflow, filters: OrderFilters
) -> list[dict]:
    """The workflow's columns (its published steps, then steps only older versions
    still hold orders in), each with its count and first page.

    Someone who sees part of the firm gets their orders' (id, step) in one read and
    the columns are cut from it; the whole firm is counted from the step index and
    each column walks the board index. Either way the cards are one read."""
    nodes = _workflow_nodes(workflow)
    key_of = dict(nodes)
    orders = _board_orders(actor, list(key_of), filters)
    whole_firm = _whole_firm(actor)
    scanned = None if whole_firm else _scan(orders, key_of)
    if scanned is None:
        if whole_firm and _unfiltered(filters):
            counts = _kept_counts(key_of, filters.status)
        else:
            counts = _column_counts(orders, key_of)
        firsts = {
            key: _column_ids(orders, [pk for pk, k in nodes if k == key])
            for key in counts
        }
    else:
        counts, firsts = scanned
    cards = _cards([pk for ids in firsts.values() for pk in ids[:COLUMN_PAGE]])
    return [
        _column(key, name, kind, counts.get(key, 0), firsts.get(key, []), cards)
        for key, name, kind in _column_keys(workflow, counts)
    ]


def _column(key, name, kind, count: int, ids: list[int], cards: dict) -> dict:
    shown = ids[:COLUMN_PAGE]
    return {
        "key": key,
        "name": name,
        "is_end": kind == NodeKind.END,
        "count": count,
        "rows": [cards[pk] for pk in shown if pk in cards],
        "next_before": shown[-1] if len(ids) > COLUMN_PAGE else None,
    }


def _unfiltered(filters: OrderFilters) -> bool:
    narrowing = (filters.node, filters.product_type, filters.owner, filters.funder)
    return not any(narrowing) and not (filters.customer or filters.overdue or filters.q)


def _kept_counts(key_of: dict[int, str], status: str) -> dict[str, int]:
    """The board's counts from the kept step counts (``OrderStepCount``)."""
    shown = (status,) if status in BOARD_STATUSES else BOARD_STATUSES
    counts: dict[str, int] = {}
    for (node_id, row_status), n in step_counts(key_of).items():
        if row_status in shown and n:
            counts[key_of[node_id]] = counts.get(key_of[node_id], 0) + n
    return counts


def _whole_firm(actor: User) -> bool:
    return not scope_q(actor, owner=Order.SCOPE_OWNER)


def _scan(orders: QuerySet, key_of: dict[int, str]):
    """(counts, first ids) per step key from every visible order's (id, step), or
    None when there are more than ``SCAN_CAP`` of them."""
    rows = list(orders.order_by("-id").values_list("pk", "node_id")[: SCAN_CAP + 1])
    if len(rows) > SCAN_CAP:
        return None
    counts: dict[str, int] = {}
    firsts: dict[str, list[int]] = {}
    for pk, node_id in rows:  # newest first
        key = key_of[node_id]
        counts[key] = counts.get(key, 0) + 1
        ids = firsts.setdefault(key, [])
        if len(ids) <= COLUMN_PAGE:
            ids.append(pk)
    return counts, firsts


def _column_counts(orders: QuerySet, key_of: dict[int, str]) -> dict[str, int]:
    """Per step key, grouped by step id (no join: PostgreSQL counts from the step
    index alone)."""
    counts: dict[str, int] = {}
    for row in orders.order_by().values("node_id").annotate(n=Count("pk")):
        key = key_of[row["node_id"]]
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


def _column_ids(orders: QuerySet, node_ids: list[int]) -> list[int]:
    """The newest ids of one column, one more than a page (is there a next?)."""
    column = orders.filter(node_id__in=node_ids).order_by("-id")
    return list(column.values_list("pk", flat=True)[: COLUMN_PAGE + 1])


def _cards(ids: list[int]) -> dict[int, Order]:
    """The board's cards, by id (ids already read through the actor's scope)."""
    related = ("customer", "owner", "processor", "node")
    return {o.pk: o for o in Order.objects.filter(pk__in=ids).select_related(*related)}


def _workflow_nodes(workflow: Workflow) -> list[tuple[int, str]]:
    """Every step of every version of the workflow, as (id, key): the board filters
    orders by these ids (a short list) rather than joining their versions, so
    PostgreSQL reads the board index (tenant, node, -id) directly."""
    return list(
        WorkflowNode.objects.filter(version__workflow=workflow).values_list("pk", "key")
    )


def _column_keys(workflow: Workflow, counts: dict[str, int]) -> list[tuple]:
    current = list(
        WorkflowNode.objects.filter(version_id=workflow.current_id)
        .order_by("position")
        .values_list("key", "name", "kind")
    )
    known = {key for key, _name, _kind in current}
    older = [key for key in counts if key not in known]
    if older:
        extra = {}
        for key, name, kind in (
            WorkflowNode.objects.filter(version__workflow=workflow, key__in=older)
            .order_by("-version__number")
            .values_list("key", "name", "kind")
        ):
            extra.setdefault(key, (key, name, kind))
        ends = [c for c in current if c[2] == NodeKind.END]
        steps = [c for c in current if c[2] != NodeKind.END]
        current = [*steps, *sorted(extra.values()), *ends]
    return current


def _board_orders(actor: User, node_ids: list[int], filters: OrderFilters):
    """Running orders at these steps, and completed ones in the end column;
    cancelled ones leave the board (the list shows them)."""
    f = OrderFilters(**{**filters.__dict__, "workflow": None, "status": ""})
    orders = orders_filtered(actor, f).filter(node_id__in=node_ids)
    if filters.status in BOARD_STATUSES:
        return orders.filter(status=filters.status)
    return orders.exclude(status=OrderStatus.CANCELLED)


def board_column(
    *,
    actor: User,
    workflow: Workflow,
    key: str,
    filters: OrderFilters,
    before: int | None = None,
    limit: int = COLUMN_PAGE,
) -> tuple[list[Order], int | None]:
    """One page of one column, newest first (``before``: the last id shown)."""
    node_ids = [pk for pk, node_key in _workflow_nodes(workflow) if node_key == key]
    return _column_page(actor, node_ids, filters, before=before, limit=limit)


def _column_page(
    actor: User,
    node_ids: list[int],
    filters: OrderFilters,
    *,
    before: int | None = None,
    limit: int = COLUMN_PAGE,
) -> tuple[list[Order], int | None]:
    orders = (
        _board_orders(actor, node_ids, filters)
        .select_related("customer", "owner", "processor", "node")
        .order_by("-id")
    )
    if before:
        orders = orders.filter(pk__lt=before)
    rows = list(orders[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit - 1].pk


# --- pickers -------------------------------------------------------------------


def owner_choices(*, actor: User) -> list[User]:
    """The people whose orders the actor may filter by; none when they see only
    their own."""
    if sees_only_own(actor):
        return []
    return list(
        users_visible_to(actor)
        .filter(status=UserStatus.ACTIVE)
        .order_by("display_name", "pk")[:OWNER_CHOICES_MAX]
    )


def funder_choices() -> list[Funder]:
    return list(Funder.objects.order_by("name")[:300])


def products_offered() -> QuerySet[Product]:
    """The active products an order may apply for (the products picker)."""
    return (
        Product.objects.filter(is_active=True)
        .select_related("funder")
        .order_by("funder__name", "name")
    )


def processors_offered() -> QuerySet[User]:
    """Active staff holding the processor's role (the processor picker)."""
    return (
        User.objects.filter(status=UserStatus.ACTIVE, roles__key="processor")
        .distinct()
        .order_by("display_name", "pk")
    )


# --- home panel and other apps ---------------------------------------------------


def my_open_by_node(*, actor: User) -> list[dict]:
    """The actor's running orders (owner or taking part) by step, with the overdue
    ones: one grouped read."""
    handled = OrderParticipant.order_ids_of(actor)
    mine = Order.objects.filter(status=OrderStatus.OPEN).filter(
        Q(owner=actor) | Q(pk__in=handled)
    )
    rows = (
        mine.order_by()
        .values("node__name", "node__key", "node__position")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(is_overdue=True)))
        .order_by("node__position", "node__key")
    )
    grouped: dict[str, dict] = {}
    for row in rows:
        entry = grouped.setdefault(
            row["node__key"],
            {"key": row["node__key"], "name": row["node__name"], "n": 0, "late": 0},
        )
        entry["n"] += row["n"]
        entry["late"] += row["late"]
    return list(grouped.values())


def progress_by_customer(customer_ids) -> dict[int, str]:
    """The step name of each customer's newest order (the partner portal shows
    only that: no amounts, no names)."""
    progress: dict[int, str] = {}
    for customer_id, name, status in (
        Order.objects.filter(customer_id__in=list(customer_ids))
        .order_by("customer_id", "-id")
        .values_list("customer_id", "node__name", "status")
    ):
        if customer_id not in progress:
            label = name
            if status == OrderStatus.CANCELLED:
                label = str(OrderStatus.CANCELLED.label)
            progress[customer_id] = label
    return progress
