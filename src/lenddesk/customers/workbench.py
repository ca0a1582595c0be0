"""The salesperson's day on the home page: what is due, what is new, what is about to
be lost to the pool, and this month's funnel — each number a link to the list behind it
whose count is the same number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.customers.models import Customer, FunnelStage
from lenddesk.customers.selectors import FRESH_WITHIN, end_of_today
from lenddesk.web.params import url_with

LIST_LIMIT = 8


@dataclass(frozen=True)
class Tile:
    key: str
    count: int
    url: str
    alert: bool = False


@dataclass(frozen=True)
class FunnelStep:
    name: str
    count: int
    url: str
    width: int  # percent of the largest step, for the bar


@dataclass(frozen=True)
class Workbench:
    tiles: list[Tile]
    due: list[Customer]
    fresh: list[Customer]
    funnel: list[FunnelStep]
    month_start: dt.date
    now: dt.datetime


def _customers(actor: User, team: bool) -> QuerySet[Customer]:
    owned = Customer.objects.visible_to(actor).filter(owner__isnull=False)
    return owned if team else owned.filter(owner=actor)


def _funnel(customers: QuerySet[Customer], month_start: dt.date, owner: int | None):
    counts = dict(
        customers.filter(created_at__date__gte=month_start)
        .values_list("stage_id")
        .annotate(n=Count("pk"))
    )
    stages = [s for s in FunnelStage.objects.order_by("order") if counts.get(s.pk)]
    largest = max(counts.values(), default=0) or 1
    return [
        FunnelStep(
            name=stage.name,
            count=counts[stage.pk],
            url=url_with(
                "customers:list", stage=stage.pk, owner=owner, **{"from": month_start}
            ),
            width=max(4, round(100 * counts[stage.pk] / largest)),
        )
        for stage in stages
    ]


def workbench_for(*, actor: User, team: bool = False) -> Workbench:
    """Counts in one query; the short lists by the indexes the to-do page uses."""
    now = timezone.now()
    tonight = end_of_today()
    fresh_q = Q(claimed_at__gte=now - FRESH_WITHIN, last_followup_at__isnull=True)
    customers = _customers(actor, team)
    counts = customers.aggregate(
        due=Count("pk", filter=Q(next_followup_at__lte=tonight)),
        overdue=Count("pk", filter=Q(next_followup_at__lt=now)),
        fresh=Count("pk", filter=fresh_q),
        returning=Count("pk", filter=Q(return_warned_at__isnull=False)),
    )
    owner = None if team else actor.pk
    todo = url_with("customers:todo", team="1" if team else None)
    tiles = [
        Tile("due", counts["due"], todo),
        Tile(
            "overdue",
            counts["overdue"],
            url_with("customers:list", overdue="1", owner=owner),
            alert=counts["overdue"] > 0,
        ),
    ]
    if not team:  # the lists behind these two hold one's own customers only
        tiles += [
            Tile("fresh", counts["fresh"], url_with("customers:list", fresh="1")),
            Tile(
                "returning",
                counts["returning"],
                todo + "#returning",
                alert=counts["returning"] > 0,
            ),
        ]
    related = ("stage", "owner")
    month_start = timezone.localdate().replace(day=1)
    return Workbench(
        tiles=tiles,
        due=list(
            customers.filter(next_followup_at__lte=tonight)
            .select_related(*related)
            .order_by("next_followup_at")[:LIST_LIMIT]
        ),
        fresh=list(
            customers.filter(fresh_q)
            .select_related(*related)
            .order_by("-claimed_at")[:LIST_LIMIT]
        ),
        funnel=_funnel(customers, month_start, owner),
        month_start=month_start,
        now=now,
    )
