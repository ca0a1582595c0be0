"""Every read of customers starts from ``Customer.objects.visible_to(actor)``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.accounts.scope import scope_q, sees_only_own
from lenddesk.accounts.selectors import users_visible_to
from lenddesk.customers.models import (
    Customer,
    ExportApproval,
    ExportJob,
    FollowUp,
    FunnelStage,
    PublicPool,
    Tag,
    Visit,
)
from lenddesk.security.fields import exact_lookup, last4_lookup
from lenddesk.web.orm import first_or_none
from lenddesk.web.params import int_or_none

PAGE_SIZE = 25
FRESH_WITHIN = dt.timedelta(days=3)
LIST_RELATED = ("owner", "stage", "pool")


@dataclass
class CustomerFilters:
    q: str = ""
    stage: int | None = None
    rating: str = ""
    tag: str = ""
    owner: int | None = None
    department: int | None = None
    channel: str = ""
    city: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    overdue: bool = False
    fresh: bool = False  # became theirs in the last three days, never followed up
    # Parameters that were given but malformed or out of range, so were ignored.
    ignored: tuple[str, ...] = ()


AMOUNT_MAX = Decimal("999999999999.99")
_AMOUNT = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,2})?)\s*(万|w|W)?")
TEN_THOUSAND = Decimal(10000)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_amount(value) -> Decimal | None:
    """An amount in yuan from a filter box: ``300000``, ``300000.5``, or in 万
    (``30万``, ``30w``); None unless it is a number from 0 to the column's maximum."""
    text = value.strip().replace(",", "").replace("，", "") if value else ""
    match = _AMOUNT.fullmatch(text)
    if match is None:
        return None
    amount = Decimal(match.group(1)) * (TEN_THOUSAND if match.group(2) else 1)
    return amount if amount <= AMOUNT_MAX else None


def _given(params, name: str) -> bool:
    return bool(str(params.get(name, "") or "").strip())


def _ignored(params, parsed: dict) -> tuple[str, ...]:
    return tuple(
        n for n, value in parsed.items() if value is None and _given(params, n)
    )


def filters_from(params) -> CustomerFilters:
    """List filters from query parameters; anything malformed is ignored, and named
    in ``ignored`` so the page can say so."""
    from lenddesk.customers.models import Rating

    rating = params.get("rating", "")
    checked = {
        "stage": int_or_none(params.get("stage")),
        "owner": int_or_none(params.get("owner")),
        "department": int_or_none(params.get("department")),
        "from": _date(params.get("from")),
        "to": _date(params.get("to")),
        "amount_min": parse_amount(params.get("amount_min")),
        "amount_max": parse_amount(params.get("amount_max")),
    }
    return CustomerFilters(
        q=params.get("q", "")[:80],
        stage=checked["stage"],
        rating=rating if rating in Rating.values else "",
        tag=params.get("tag", "").strip()[:30],
        owner=checked["owner"],
        department=checked["department"],
        channel=params.get("channel", "").strip()[:60],
        city=params.get("city", "").strip()[:40],
        created_from=checked["from"],
        created_to=checked["to"],
        amount_min=checked["amount_min"],
        amount_max=checked["amount_max"],
        overdue=params.get("overdue") == "1",
        fresh=params.get("fresh") == "1",
        ignored=_ignored(params, checked),
    )


@dataclass(frozen=True)
class ListOrder:
    """How the list is sorted: a column and a direction; ties go by id the same way."""

    key: str
    descending: bool

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.key

    @property
    def field(self) -> str:
        return ORDER_FIELDS[self.key]


ORDER_FIELDS = {
    "created": "pk",
    "next_followup": "next_followup_at",
    "amount": "demand_amount",
    "last_followup": "last_followup_at",
}
NEWEST = ListOrder("created", descending=True)


def order_from(value) -> ListOrder:
    """The ``sort`` parameter (``amount``, ``-amount`` …); newest first otherwise."""
    text = value if isinstance(value, str) else ""
    key = text[1:] if text.startswith("-") else text
    if key not in ORDER_FIELDS:
        return NEWEST
    return ListOrder(key, descending=text.startswith("-"))


def _search(customers: QuerySet, text: str) -> QuerySet:
    """One box for everything: full phone, last four digits, ID number, pinyin
    initials (``zs`` → 张三), full pinyin, or part of the name."""
    text = text.strip()
    if not text:
        return customers
    digits = re.sub(r"\D", "", text)
    if len(digits) == 4 and digits == text:
        return customers.filter(last4_lookup(Customer, "phone", digits))
    if len(digits) >= 11 and re.fullmatch(r"[\d\s+\-()]+", text):
        return customers.filter(exact_lookup(Customer, "phone", text))
    if re.fullmatch(r"\d{17}[\dXx]", text):
        return customers.filter(exact_lookup(Customer, "id_number", text))
    lowered = text.lower()
    if re.fullmatch(r"[a-z]{1,20}", lowered):
        return customers.filter(
            Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        )
    return customers.filter(name__contains=text)


MERGE_OWNERS_MAX = 60


def customers_filtered(actor: User, filters: CustomerFilters) -> QuerySet[Customer]:
    """The owned customers in the actor's scope that the filters let through."""
    customers = Customer.objects.visible_to(actor).filter(owner__isnull=False)
    customers = _search(customers, filters.q)
    exact = {
        "stage_id": filters.stage,
        "rating": filters.rating,
        "tags__name": filters.tag,
        "owner_id": filters.owner,
        "channel": filters.channel,
        "city": filters.city,
        "created_at__date__gte": filters.created_from,
        "created_at__date__lte": filters.created_to,
        "demand_amount__gte": filters.amount_min,
        "demand_amount__lte": filters.amount_max,
    }
    customers = customers.filter(
        **{lookup: value for lookup, value in exact.items() if value not in ("", None)}
    )
    if filters.department:
        customers = _in_department(customers, filters.department)
    if filters.overdue:
        customers = customers.filter(next_followup_at__lt=timezone.now())
    if filters.fresh:
        customers = customers.filter(
            owner=actor,
            claimed_at__gte=timezone.now() - FRESH_WITHIN,
            last_followup_at__isnull=True,
        )
    return customers


def _in_department(customers: QuerySet, department_id: int) -> QuerySet:
    from lenddesk.accounts.models import Department

    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        return customers
    return customers.filter(owner__department__path__startswith=department.path)


def customer_list(
    *,
    actor: User,
    filters: CustomerFilters,
    before: int | None = None,
    order: ListOrder = NEWEST,
    cursor: str = "",
):
    """One page and the next page's cursor, keyset-paginated (no COUNT over a million
    rows): newest first by ``before=<id>``; any other order by ``cursor``, a position
    on (sort value, id)."""
    if order != NEWEST:
        return _sorted_page(customers_filtered(actor, filters), order, cursor)
    if (
        filters == CustomerFilters()
        and connection.features.supports_slicing_ordering_in_compound
    ):
        owners = _scope_owner_ids(actor)
        if owners is not None:
            return _page_by_owner(owners, before, LIST_RELATED)
    customers = customers_filtered(actor, filters)
    if before:
        customers = customers.filter(pk__lt=before)
    return _page_of(customers, LIST_RELATED)


COUNT_CAP = 10_000
COUNT_BUDGET_MS = 50


@dataclass(frozen=True)
class ListCount:
    """How many customers a list holds: exact up to ``COUNT_CAP``, past it only that
    there are more; ``known`` is False when counting would take longer than
    ``COUNT_BUDGET_MS`` (a rare filter over a million rows has to look at all of
    them, and the page should not wait for that)."""

    count: int
    capped: bool
    known: bool = True


def customer_count(*, actor: User, filters: CustomerFilters) -> ListCount:
    bounded = sees_only_own(actor)
    return _capped_count(customers_filtered(actor, filters), bounded=bounded)


def _capped_count(customers: QuerySet, *, bounded: bool = False) -> ListCount:
    """``bounded``: one person's own customers, counted through the owner index
    without the time budget (its savepoint and settings cost more than the count)."""
    limited = customers.values("pk")[: COUNT_CAP + 1]
    if connection.vendor != "postgresql" or bounded:
        counted = limited.count()
    else:
        counted = _count_within_budget(limited)
        if counted is None:
            return ListCount(0, capped=False, known=False)
    return ListCount(min(counted, COUNT_CAP), capped=counted > COUNT_CAP)


def _count_within_budget(limited: QuerySet) -> int | None:
    """The count under a statement timeout, in a savepoint the timeout rolls back."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            (previous,) = cursor.fetchone()
            cursor.execute("SET LOCAL statement_timeout = %d" % COUNT_BUDGET_MS)
            counted = limited.count()
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [previous]
            )
            return counted
    except OperationalError:  # QueryCanceled: over the budget
        return None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_MAX_MICROSECONDS = (dt.datetime(9999, 12, 31, tzinfo=dt.UTC) - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class _Position:
    """Where the next page starts: after (value, id); ``value`` None once the walk
    has reached the customers without a value, which come last in either direction."""

    value: object
    pk: int


def _encode_position(field: str, value, pk: int) -> str:
    if value is None:
        return "~%d" % pk
    if field == "pk":
        return str(pk)
    if isinstance(value, dt.datetime):
        return "%d~%d" % ((value - _EPOCH) // _MICROSECOND, pk)
    return "%s~%d" % (format(value, "f"), pk)


def _decode_position(field: str, cursor: str) -> _Position | None:
    """A cursor from the page's own link; anything else starts from the top."""
    text = cursor if isinstance(cursor, str) else ""
    if field == "pk":
        pk = int_or_none(text)
        return _Position(pk, pk) if pk else None
    raw, _sep, pk_text = text.rpartition("~")
    pk = int_or_none(pk_text)
    if not _sep or pk is None:
        return None
    if raw == "":
        return _Position(None, pk)
    if field == "demand_amount":
        value = parse_amount(raw) if re.fullmatch(r"[0-9.]+", raw) else None
    else:
        micros = int_or_none(raw, low=0, high=_MAX_MICROSECONDS)
        value = None if micros is None else _EPOCH + micros * _MICROSECOND
    return None if value is None else _Position(value, pk)


def _sorted_page(customers: QuerySet, order: ListOrder, cursor: str):
    """Customers with a value first, by (value, id); then those without, by id. Each
    part is one keyset query an index on (tenant, value, id) answers in order."""
    field, down = order.field, order.descending
    position = _decode_position(field, cursor)
    entries: list[tuple[object, int]] = []
    if position is None or position.value is not None:
        entries = _valued_entries(customers, field, down, position)
    if len(entries) <= PAGE_SIZE and field != "pk":
        after = position.pk if position is not None and position.value is None else None
        entries += _valueless_entries(
            customers, field, down, after, PAGE_SIZE + 1 - len(entries)
        )
    ids = [pk for _value, pk in entries]
    rows = _rows_in_order(ids[:PAGE_SIZE], LIST_RELATED)
    if len(entries) <= PAGE_SIZE:
        return rows, None
    value, pk = entries[PAGE_SIZE - 1]
    return rows, _encode_position(field, value, pk)


def _valued_entries(customers, field: str, down: bool, position) -> list:
    if field != "pk":
        customers = customers.filter(**{field + "__isnull": False})
    if position is not None and field == "pk":
        customers = customers.filter(**{"pk__lt" if down else "pk__gt": position.pk})
    elif position is not None:
        value, pk = position.value, position.pk
        at_most, past = ("lte", "lt") if down else ("gte", "gt")
        # The first condition bounds the index range; the second skips the ties
        # already shown.
        customers = customers.filter(**{"%s__%s" % (field, at_most): value}).filter(
            Q(**{"%s__%s" % (field, past): value}) | Q(**{"pk__" + past: pk})
        )
    sign = "-" if down else ""
    ordering = [sign + field] if field == "pk" else [sign + field, sign + "pk"]
    return list(customers.order_by(*ordering).values_list(field, "pk")[: PAGE_SIZE + 1])


def _valueless_entries(customers, field: str, down: bool, after, limit: int):
    customers = customers.filter(**{field + "__isnull": True})
    if after is not None:
        customers = customers.filter(**{"pk__lt" if down else "pk__gt": after})
    ids = customers.order_by("-pk" if down else "pk").values_list("pk", flat=True)
    return [(None, pk) for pk in ids[:limit]]


def _rows_in_order(ids: list[int], related: tuple[str, ...]) -> list[Customer]:
    by_id = Customer.objects.select_related(*related).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


OWNER_CHOICES_MAX = 500


def owner_choices(*, actor: User) -> list[User]:
    """The people whose customers the actor may filter by; none when the actor sees
    only their own."""
    people = list(
        users_visible_to(actor).order_by("display_name", "pk")[:OWNER_CHOICES_MAX]
    )
    return people if len(people) > 1 else []


def tag_choices(limit: int = 300) -> list[Tag]:
    return list(Tag.objects.order_by("name")[:limit])


def with_tags(rows: list[Customer]) -> list[Customer]:
    """The page's tags in one query (the tags column)."""
    prefetch_related_objects(rows, "tags")
    return rows


def _scope_owner_ids(actor: User) -> list[int] | None:
    """The people whose customers the actor's data scope covers, when they are few
    enough to merge page by page; else None."""
    ids = list(
        users_visible_to(actor).values_list("pk", flat=True)[: MERGE_OWNERS_MAX + 1]
    )
    return ids if 0 < len(ids) <= MERGE_OWNERS_MAX else None


def _page_by_owner(owners: list[int], before: int | None, related: tuple[str, ...]):
    """A team's newest customers as the merge of each person's newest (one UNION ALL
    of index ranges): walking the firm's newest rows for the team's stopped only
    after every newer customer of everyone else and of the pool — 200,000 rows and
    40 ms after two big imports, 3 ms this way."""
    newer = {"pk__lt": before} if before else {}
    parts = [
        Customer.objects.filter(owner_id=owner, **newer)
        .order_by("-pk")
        .values_list("pk", flat=True)[: PAGE_SIZE + 1]
        for owner in owners
    ]
    if len(parts) > 1:
        parts = [parts[0].union(*parts[1:], all=True).order_by("-pk")[: PAGE_SIZE + 1]]
    return _page_from_ids(list(parts[0]), related)


def _page_of(customers: QuerySet, related: tuple[str, ...]):
    """Ids first, rows second: with the joins in the same query PostgreSQL may choose a
    full scan for a rare filter (1.8 s at 1M rows); the id-only keyset query stays on
    the primary-key index, and the second query reads 25 rows by id."""
    ids = list(customers.order_by("-pk").values_list("pk", flat=True)[: PAGE_SIZE + 1])
    return _page_from_ids(ids, related)


def _page_from_ids(ids: list[int], related: tuple[str, ...]):
    """The page's rows (one query by id) and the next page's cursor."""
    rows = list(
        Customer.objects.filter(pk__in=ids[:PAGE_SIZE])
        .select_related(*related)
        .order_by("-pk")
    )
    return rows, (ids[PAGE_SIZE - 1] if len(ids) > PAGE_SIZE else None)


def pools_visible_to(actor: User) -> QuerySet[PublicPool]:
    """The firm's main pool plus the pools of the actor's department and above."""
    department = actor.department
    condition = Q(department__isnull=True)
    if department is not None:
        ancestor_ids = [int(p) for p in department.path.strip("/").split("/") if p]
        condition |= Q(department_id__in=ancestor_ids)
    return PublicPool.objects.filter(condition)


def _pool_customers(actor: User, q: str, pool_id: int | None) -> QuerySet[Customer]:
    customers = Customer.objects.filter(
        owner__isnull=True, pool__in=pools_visible_to(actor)
    )
    if pool_id:
        customers = customers.filter(pool_id=pool_id)
    return _search(customers, q)


def pool_list(
    *, actor: User, q: str = "", pool_id: int | None = None, before: int | None = None
):
    customers = _pool_customers(actor, q, pool_id)
    if before:
        customers = customers.filter(pk__lt=before)
    return _page_of(customers, ("pool", "stage"))


def pool_count(*, actor: User, q: str = "", pool_id: int | None = None) -> ListCount:
    return _capped_count(_pool_customers(actor, q, pool_id))


def customers_reachable(actor: User) -> QuerySet[Customer]:
    """Customers the actor may open: their scope, plus public pools open to them."""
    in_scope = Customer.objects.visible_to(actor).values("pk")
    return Customer.objects.filter(
        Q(pk__in=in_scope) | Q(owner__isnull=True, pool__in=pools_visible_to(actor))
    )


def pool_open_to(actor: User, pool: PublicPool | None) -> bool:
    """What ``pools_visible_to`` says about one pool, without a query."""
    if pool is None:
        return False
    if pool.department_id is None:
        return True
    department = actor.department
    return department is not None and (
        "/%d/" % pool.department_id in "/%s/" % department.path.strip("/")
    )


def customer_reachable(actor: User, customer: Customer) -> bool:
    """``customers_reachable`` for one loaded customer. The actor's own customers and
    the public pools open to them are decided from the row; anyone else's through the
    data scope, narrowed to this one row (an indexed lookup, where the set-based
    condition made PostgreSQL build the actor's whole scope first)."""
    if customer.owner_id is not None and customer.owner_id == actor.pk:
        return True
    if customer.owner_id is None and pool_open_to(actor, customer.pool):
        return True
    return Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()


PAGE_RELATED = ("owner", "stage", "pool", "sharer")


def customer_get(
    *, actor: User, customer_id: int, related: tuple[str, ...] = PAGE_RELATED
) -> Customer:
    """A customer the actor may see: in scope, or in a public pool open to them.
    ``related``: what the caller shows besides ids (the pool is always needed)."""
    customer = first_or_none(
        Customer.objects.filter(pk=customer_id).select_related("pool", *related)
    )
    if customer is None or not customer_reachable(actor, customer):
        raise Http404
    return customer


def is_owned_view(customer: Customer) -> bool:
    return customer.owner_id is not None


def customer_followups(*, customer: Customer) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(customer=customer).select_related("author")[:50]


def customer_visits(*, customer: Customer) -> QuerySet[Visit]:
    return Visit.objects.filter(customer=customer).select_related("booked_by")[:20]


def customer_timeline(*, customer: Customer):
    return customer.timeline.select_related("actor")[:100]


@dataclass(frozen=True)
class TodoItem:
    customer: Customer
    due: dt.datetime | None
    overdue: bool
    reason: str


def todo_for(*, actor: User, team: bool = False, limit: int = 100) -> list[Customer]:
    """Customers whose next follow-up is due today or overdue; with ``team`` the
    actor's whole scope (a team lead's team), else only their own."""
    end_of_today = timezone.localtime().replace(hour=23, minute=59, second=59)
    customers = (
        Customer.objects.visible_to(actor).filter(owner__isnull=False)
        if team
        else Customer.objects.filter(owner=actor)
    )
    return list(
        customers.filter(next_followup_at__lte=end_of_today)
        .select_related("owner", "stage")
        .order_by("next_followup_at")[:limit]
    )


def returning_soon(*, actor: User, limit: int = 50) -> list[Customer]:
    return list(
        Customer.objects.filter(owner=actor, return_warned_at__isnull=False)
        .select_related("stage")
        .order_by("last_followup_at")[:limit]
    )


def visits_upcoming(*, actor: User, limit: int = 20) -> list[Visit]:
    return list(
        Visit.objects.filter(
            customer__in=Customer.objects.visible_to(actor).filter(owner__isnull=False),
            status="booked",
            scheduled_at__gte=timezone.now() - dt.timedelta(hours=2),
        )
        .select_related("customer")
        .order_by("scheduled_at")[:limit]
    )


def funnel(*, actor: User) -> list[dict]:
    """Customers per stage in the actor's scope, with conversion from the first stage."""
    counts = dict(
        Customer.objects.visible_to(actor)
        .filter(owner__isnull=False)
        .values_list("stage_id")
        .annotate(n=Count("pk"))
    )
    stages = list(FunnelStage.objects.order_by("order"))
    rows, reached = [], sum(counts.values())
    first = reached or 1
    for stage in stages:
        if stage.is_lost:
            continue
        rows.append(
            {
                "stage": stage,
                "count": counts.get(stage.pk, 0),
                "reached": reached,
                "rate": round(100 * reached / first, 1),
            }
        )
        reached -= counts.get(stage.pk, 0)
    lost = next((s for s in stages if s.is_lost), None)
    if lost:
        rows.append(
            {
                "stage": lost,
                "count": counts.get(lost.pk, 0),
                "reached": None,
                "rate": None,
            }
        )
    return rows


def visit_get(*, actor: User, visit_id: int) -> Visit:
    visit = Visit.objects.filter(
        pk=visit_id, customer__in=Customer.objects.visible_to(actor)
    ).first()
    if visit is None:
        raise Http404
    return visit


def document_get(*, actor: User, document_id: int):
    from lenddesk.customers.models import CustomerDocument

    document = (
        CustomerDocument.objects.filter(
            pk=document_id, customer__in=Customer.objects.visible_to(actor)
        )
        .select_related("customer")
        .first()
    )
    if document is None:
        raise Http404
    return document


def exports_of(*, actor: User) -> list:
    """The person's own export requests, newest first."""
    return list(
        ExportJob.objects.filter(created_by=actor).select_related("decided_by")[:20]
    )


def export_get(*, actor: User, job_id: int, completed: bool = False):
    """Only the requester sees an export (with ``completed``, only a finished one
    whose file is kept: a direct download's is not); anyone else gets 404."""
    jobs = ExportJob.objects.filter(created_by=actor)
    if completed:
        jobs = jobs.filter(status="completed").exclude(stored_name="")
    return get_object_or_404(jobs, pk=job_id)


def exports_awaiting_approval(*, actor: User) -> list:
    """Pending large exports of people in the approver's data scope."""
    return list(
        ExportJob.objects.filter(approval=ExportApproval.PENDING)
        .filter(scope_q(actor, owner="created_by"))
        .select_related("created_by")
        .order_by("pk")
    )


def export_pending_get(*, actor: User, job_id: int):
    return get_object_or_404(
        ExportJob.objects.filter(scope_q(actor, owner="created_by")), pk=job_id
    )
