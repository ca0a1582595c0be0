"""Reads of tasks: every list starts from ``Task.objects.visible_to(actor)`` (the
assignee is the owner), so a colleague outside the scope sees none of them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from lenddesk.performance.models import Task, TaskStatus

DUE_FILTERS = ("overdue", "today", "week")


def _due_q(due: str, now: dt.datetime) -> Q:
    if due == "overdue":
        return Q(status=TaskStatus.OPEN, due_at__lte=now)
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    days = 1 if due == "today" else 7
    return Q(due_at__gte=start, due_at__lt=start + dt.timedelta(days=days))


def task_list(
    actor,
    *,
    status: str = "",
    assignee_id: int | None = None,
    due: str = "",
    mine: bool = False,
):
    """Tasks in scope, open ones by due time first; filters by status, assignee and
    due (``overdue``, ``today``, ``week``)."""
    rows = Task.objects.visible_to(actor).select_related("assignee", "created_by")
    if mine:
        rows = rows.filter(assignee=actor)
    if status in TaskStatus.values:
        rows = rows.filter(status=status)
    if assignee_id is not None:
        rows = rows.filter(assignee_id=assignee_id)
    if due in DUE_FILTERS:
        rows = rows.filter(_due_q(due, timezone.now()))
    return rows.order_by("-status", "due_at", "pk")  # open before done


def task_counts(actor, *, mine: bool = False) -> dict:
    """Open, overdue and done tasks in scope, in one query."""
    rows = Task.objects.visible_to(actor)
    if mine:
        rows = rows.filter(assignee=actor)
    now = timezone.now()
    return rows.aggregate(
        open=Count("pk", filter=Q(status=TaskStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, due_at__lte=now)),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
    )


def task_get(actor, *, task_id: int) -> Task:
    """One task in scope, or 404."""
    return get_object_or_404(
        Task.objects.visible_to(actor).select_related("assignee", "created_by"),
        pk=task_id,
    )


def my_open_tasks(actor, *, limit: int = 5) -> list[Task]:
    return list(
        Task.objects.visible_to(actor)
        .filter(assignee=actor, status=TaskStatus.OPEN)
        .order_by("due_at", "pk")[:limit]
    )
