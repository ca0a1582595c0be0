"""Every read of customers starts from ``Customer.objects.visible_to(actor)``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from lenddesk.accounts.models import Department, User
from lenddesk.accounts.scope import scope_q, sees_only_own
from lenddesk.accounts.selectors import users_visible_to

# The list's parameters and pages live in their own modules; their public names stay
# importable from here, where the other apps and the views read them.
from lenddesk.customers.list_filters import NEWEST as NEWEST
from lenddesk.customers.list_filters import CustomerFilters, ListOrder
from lenddesk.customers.list_filters import filters_from as filters_from
from lenddesk.customers.list_filters import order_from as order_from
from lenddesk.customers.list_filters import parse_amount as parse_amount
from lenddesk.customers.list_pages import (
    LIST_RELATED,
    page_by_owner,
    page_of,
    sorted_page,
)
from lenddesk.customers.models import (
    Customer,
    CustomerDocument,
    ExportApproval,
    ExportJob,
    FollowUp,
    FunnelStage,
    PublicPool,
    Tag,
    Visit,
)
from lenddesk.customers.pool_ages import POOL_AGE_KEYS, pool_age_q, pool_cooldown
from lenddesk.security.fields import exact_lookup, last4_lookup
from lenddesk.web.orm import first_or_none

FRESH_WITHIN = dt.timedelta(days=3)


def end_of_today() -> dt.datetime:
    """The last second of today in the firm's time: a follow-up due by then is one
    of today's to-dos (overdue ones included)."""
    return timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=0)


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
    if filters.due:
        customers = customers.filter(next_followup_at__lte=end_of_today())
    if filters.fresh:
        customers = customers.filter(
            owner=actor,
            claimed_at__gte=timezone.now() - FRESH_WITHIN,
            last_followup_at__isnull=True,
        )
    return customers


def _in_department(customers: QuerySet, department_id: int) -> QuerySet:
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
        return sorted_page(customers_filtered(actor, filters), order, cursor)
    if (
        filters == CustomerFilters()
        and connection.features.supports_slicing_ordering_in_compound
    ):
        owners = _scope_owner_ids(actor)
        if owners is not None:
            return page_by_owner(owners, before, LIST_RELATED)
    customers = customers_filtered(actor, filters)
    if before:
        customers = customers.filter(pk__lt=before)
    return page_of(customers, LIST_RELATED)


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


def pools_visible_to(actor: User) -> QuerySet[PublicPool]:
    """The firm's main pool plus the pools of the actor's department and above."""
    department = actor.department
    condition = Q(department__isnull=True)
    if department is not None:
        ancestor_ids = [int(p) for p in department.path.strip("/").split("/") if p]
        condition |= Q(department_id__in=ancestor_ids)
    return PublicPool.objects.filter(condition)


def _pool_customers(
    actor: User, q: str, pool_id: int | None, age: str = ""
) -> QuerySet[Customer]:
    customers = Customer.objects.filter(
        owner__isnull=True, pool__in=pools_visible_to(actor)
    )
    if pool_id:
        customers = customers.filter(pool_id=pool_id)
    if age in POOL_AGE_KEYS:
        customers = customers.filter(pool_age_q(age, timezone.now(), pool_cooldown()))
    return _search(customers, q)


def pool_list(
    *,
    actor: User,
    q: str = "",
    pool_id: int | None = None,
    age: str = "",
    before: int | None = None,
):
    customers = _pool_customers(actor, q, pool_id, age)
    if before:
        customers = customers.filter(pk__lt=before)
    return page_of(customers, ("pool", "stage"))


def pool_count(
    *, actor: User, q: str = "", pool_id: int | None = None, age: str = ""
) -> ListCount:
    return _capped_count(_pool_customers(actor, q, pool_id, age))


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
    customers = (
        Customer.objects.visible_to(actor).filter(owner__isnull=False)
        if team
        else Customer.objects.filter(owner=actor)
    )
    return list(
        customers.filter(next_followup_at__lte=end_of_today())
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
