"""Manager-assigned tasks (任务): assign, mark done (one or many), and the reminders
the day before the due time and once it has passed, each sent once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.services import audit_record, audit_records
from lenddesk.notifications.services import message, notify, notify_all
from lenddesk.performance import notices
from lenddesk.performance.audit import PerformanceAudit as A
from lenddesk.performance.errors import PerformanceError, refusal, refusals
from lenddesk.performance.models import Task, TaskStatus
from lenddesk.performance.permissions import PerformancePermission as P
from lenddesk.performance.reach import managed_people

REMIND_BEFORE = dt.timedelta(hours=24)
MAX_AHEAD = dt.timedelta(days=366 * 2)


def _clean(title: str, description: str, due_at) -> tuple[str, str]:
    errors = {}
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        errors["title"] = _("Give the task a title.")
    elif len(title) > 120:
        errors["title"] = _("At most 120 characters.")
    if len(description) > 2000:
        errors["description"] = _("At most 2000 characters.")
    now = timezone.now()
    if not isinstance(due_at, dt.datetime):
        errors["due_at"] = _("Give the due date and time.")
    elif due_at <= now:
        errors["due_at"] = _("The due time must be in the future.")
    elif due_at > now + MAX_AHEAD:
        errors["due_at"] = _("At most two years ahead.")
    if errors:
        raise refusals(errors, PerformanceError.TASK_INVALID)
    return title, description


@transaction.atomic
def task_create(
    *, actor: User, assignee_id, title: str, description: str = "", due_at
) -> Task:
    """A task for one person the actor manages; the assignee is told."""
    title, description = _clean(title, description, due_at)
    assignee = managed_people(actor).filter(pk=assignee_id or 0).first()
    if assignee is None:
        raise refusal(
            "assignee",
            _("Choose someone you manage."),
            PerformanceError.TASK_INVALID,
        )
    task = Task.objects.create(
        title=title,
        description=description,
        due_at=due_at,
        assignee=assignee,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=A.TASK_CREATED,
        target=task,
        object_repr=title,
        changes={"assignee": assignee.pk, "due_at": due_at.isoformat()},
    )
    if assignee.pk != actor.pk:
        notify(
            recipients=[assignee],
            kind=notices.TASK_ASSIGNED,
            title=_("New task: %(title)s") % {"title": title},
            url=reverse("performance:task_detail", args=[task.pk]),
            target=task,
        )
    return task


def may_close(actor: User, task: Task) -> bool:
    """The assignee, or a manager holding the tasks code (the task is already in
    their scope: it was read through ``visible_to``)."""
    return task.assignee_id == actor.pk or actor.has_code(P.TASKS)


@transaction.atomic
def task_done(*, actor: User, task: Task, note: str = "") -> Task:
    """Mark a task done with a note (one conditional UPDATE: done once)."""
    if not may_close(actor, task):
        raise PermissionDenied(_("Only the assignee or their manager may close it."))
    note = (note or "").strip()
    if len(note) > 500:
        raise refusal(
            "note", _("At most 500 characters."), PerformanceError.TASK_INVALID
        )
    now = timezone.now()
    changed = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, done_at=now, done_note=note
    )
    if not changed:
        raise refusal(
            "status", _("This task is already done."), PerformanceError.TASK_DONE
        )
    audit_record(
        actor=actor, action=A.TASK_DONE, target=task, object_repr=task.title[:120]
    )
    task.refresh_from_db()
    return task


@transaction.atomic
def tasks_done_bulk(*, actor: User, tasks, note: str = "") -> int:
    """Close several open tasks the actor may close; returns how many closed."""
    note = (note or "").strip()[:500]
    ids = [t.pk for t in tasks if t.status == TaskStatus.OPEN and may_close(actor, t)]
    if not ids:
        return 0
    Task.objects.filter(pk__in=ids, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, done_at=timezone.now(), done_note=note
    )
    audit_records(
        [
            {"actor": actor, "action": A.TASK_DONE, "target": t}
            for t in tasks
            if t.pk in ids
        ]
    )
    return len(ids)


def _claim(task: Task, field: str, now) -> bool:
    """Mark a reminder as sent; only one run ever wins (conditional UPDATE)."""
    return bool(
        Task.objects.filter(
            pk=task.pk, status=TaskStatus.OPEN, **{"%s__isnull" % field: True}
        ).update(**{field: now})
    )


def _reminder(task: Task, recipient: User, kind: str, title: str):
    return message(
        recipient=recipient,
        kind=kind,
        title=title,
        url=reverse("performance:task_detail", args=[task.pk]),
        target=task,
        dedupe_key="%s:%d" % (kind, task.pk),
    )


def task_reminders(now: dt.datetime | None = None) -> dict:
    """Every 15 minutes (the firm's context): a reminder to the assignee of each
    open task due within a day, and to the assignee and whoever assigned it once a
    task is overdue — each reminder once."""
    now = now or timezone.now()
    sent: list = []
    due = Task.objects.filter(
        status=TaskStatus.OPEN,
        reminded_due_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + REMIND_BEFORE,
    ).select_related("assignee")
    due_count = 0
    for task in due:
        if _claim(task, "reminded_due_at", now):
            due_count += 1
            title = _("Task due soon: %(title)s") % {"title": task.title}
            sent.append(_reminder(task, task.assignee, notices.TASK_DUE, title))
    late = Task.objects.filter(
        status=TaskStatus.OPEN, reminded_overdue_at__isnull=True, due_at__lte=now
    ).select_related("assignee", "created_by")
    late_count = 0
    for task in late:
        if _claim(task, "reminded_overdue_at", now):
            late_count += 1
            title = _("Task overdue: %(title)s") % {"title": task.title}
            people = {task.assignee, task.created_by} - {None}
            sent += [_reminder(task, p, notices.TASK_OVERDUE, title) for p in people]
    notify_all(sent)
    return {"due": due_count, "overdue": late_count}
