"""Tasks (任务): the list with counts and filters (bulk mark done), 我的任务, assigning
one, and one task's page where its assignee marks it done with a note."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.performance.forms import TaskDoneForm, TaskForm
from lenddesk.performance.models import TaskStatus
from lenddesk.performance.permissions import PerformancePermission as P
from lenddesk.performance.reach import managed_people
from lenddesk.performance.selectors_tasks import (
    DUE_FILTERS,
    task_counts,
    task_get,
    task_list,
)
from lenddesk.performance.services.tasks import (
    may_close,
    task_create,
    task_done,
    tasks_done_bulk,
)
from lenddesk.web.access import StaffView
from lenddesk.web.listing import list_page
from lenddesk.web.pages import form_submit
from lenddesk.web.params import int_or_none

PAGE = 50


def _due_choices():
    return [
        ("overdue", _("Overdue")),
        ("today", _("Due today")),
        ("week", _("Due within 7 days")),
    ]


class TaskListView(StaffView):
    """All tasks in the actor's scope (a salesperson's scope is their own)."""

    permissions = {"GET": (P.VIEW,)}
    mine = False

    def get(self, request):
        status = request.GET.get("status", "")
        due = request.GET.get("due", "")
        assignee_id = None if self.mine else int_or_none(request.GET.get("assignee"))
        rows = task_list(
            self.actor,
            status=status if status in TaskStatus.values else "",
            assignee_id=assignee_id,
            due=due if due in DUE_FILTERS else "",
            mine=self.mine,
        )
        page = list_page(request, rows, PAGE)
        people = (
            []
            if self.mine
            else list(managed_people(self.actor).order_by("display_name", "pk"))
        )
        return render(
            request,
            "performance/tasks.html",
            {
                "title": _("My tasks") if self.mine else _("Tasks"),
                "mine": self.mine,
                "page": page,
                "counts": task_counts(self.actor, mine=self.mine),
                "status": status,
                "due": due,
                "assignee_id": assignee_id,
                "statuses": TaskStatus.choices,
                "due_choices": _due_choices(),
                "people": people,
                "can_assign": self.actor.has_code(P.TASKS),
            },
        )


class MyTasksView(TaskListView):
    mine = True


class TaskCreateView(StaffView):
    permissions = {"GET": (P.TASKS,), "POST": (P.TASKS,)}

    def _form(self, data=None):
        people = managed_people(self.actor).order_by("display_name", "pk")
        return TaskForm(data, people=people)

    def _render(self, request, form, status=200):
        return render(
            request,
            "performance/task_form.html",
            {"title": _("Assign a task"), "form": form},
            status=status,
        )

    def get(self, request):
        return self._render(request, self._form())

    def post(self, request):
        form = self._form(request.POST)
        answer = form_submit(
            request,
            form,
            lambda data: task_create(
                actor=self.actor,
                assignee_id=data["assignee"],
                title=data["title"],
                description=data["description"],
                due_at=data["due_at"],
            ),
            success=_("Task assigned."),
            redirect_to=lambda task: reverse("performance:task_detail", args=[task.pk]),
        )
        return answer or self._render(request, form, status=400)


class TaskDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, task_id: int):
        task = task_get(self.actor, task_id=task_id)
        return render(
            request,
            "performance/task_detail.html",
            {
                "title": task.title,
                "task": task,
                "form": TaskDoneForm(),
                "can_close": task.status == TaskStatus.OPEN
                and may_close(self.actor, task),
            },
        )


class TaskDoneView(StaffView):
    permissions = {"POST": (P.VIEW,)}

    def post(self, request, task_id: int):
        task = task_get(self.actor, task_id=task_id)
        form = TaskDoneForm(request.POST)
        answer = form_submit(
            request,
            form,
            lambda data: task_done(actor=self.actor, task=task, note=data["note"]),
            success=_("Task marked done."),
            redirect_to=reverse("performance:task_detail", args=[task.pk]),
        )
        if answer is not None:
            return answer
        return render(
            request,
            "performance/task_detail.html",
            {"title": task.title, "task": task, "form": form, "can_close": True},
            status=400,
        )


class TaskBulkDoneView(StaffView):
    """Mark the ticked tasks done (those the actor may close; the rest are left)."""

    permissions = {"POST": (P.VIEW,)}

    def post(self, request):
        ids = [n for n in (int_or_none(v) for v in request.POST.getlist("task")) if n][
            :200
        ]
        tasks = list(task_list(self.actor).filter(pk__in=ids))
        try:
            done = tasks_done_bulk(
                actor=self.actor, tasks=tasks, note=request.POST.get("note", "")
            )
        except ValidationError as exc:  # pragma: no cover - the service refuses none
            messages.error(request, " ".join(exc.messages))
            done = 0
        if done:
            messages.success(request, _("%(n)d tasks marked done.") % {"n": done})
        else:
            messages.warning(request, _("No open task of yours was ticked."))
        back = request.POST.get("next", "")
        if back not in (reverse("performance:my_tasks"), reverse("performance:tasks")):
            back = reverse("performance:tasks")
        return redirect(back)
