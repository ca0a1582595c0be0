"""Warrant task pages: the list within the data scope, the handler's week, one task
with its forms (book and assign, done, cancel) and creating one for an order."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.orders.selectors import order_get
from lenddesk.warrants import selectors
from lenddesk.warrants.forms import (
    TaskCancelForm,
    TaskCreateForm,
    TaskDoneForm,
    TaskEditForm,
    local_input,
)
from lenddesk.warrants.models import WarrantKind, WarrantStatus
from lenddesk.warrants.permissions import WarrantPermission as P
from lenddesk.warrants.services.tasks import warrant_task_create, warrant_task_update
from lenddesk.warrants.views.common import (
    date_or_none,
    monday_of,
    page_number,
    week_label,
)
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit
from lenddesk.web.params import int_or_none


def _task_url(task) -> str:
    return reverse("warrants:task", args=[task.pk])


class TaskListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        params = request.GET
        filters = selectors.TaskFilters(
            kind=params.get("kind", "")
            if params.get("kind") in WarrantKind.values
            else "",
            status=params.get("status", "")
            if params.get("status") in WarrantStatus.values
            else "",
            handler=int_or_none(params.get("handler")),
            date_from=date_or_none(params.get("from")),
            date_to=date_or_none(params.get("to")),
            order=int_or_none(params.get("order")),
        )
        listing = selectors.task_list(
            actor=request.user, filters=filters, page=page_number(params.get("page"))
        )
        return render(
            request,
            "warrants/tasks.html",
            {
                "listing": listing,
                "filters": filters,
                "kinds": WarrantKind.choices,
                "tabs": [
                    (value, label, listing.counts.get(value, 0))
                    for value, label in WarrantStatus.choices
                ],
                "handlers": selectors.handler_choices(),
                "query": _query_without_page(params),
            },
        )


def _query_without_page(params) -> str:
    kept = params.copy()
    kept.pop("page", None)
    return kept.urlencode()


class WeekView(StaffView):
    """The handler's appointments of one ISO week: a 7-day grid, and the same as a
    list (what a phone shows)."""

    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        monday = monday_of(request.GET.get("week"))
        handler_id = request.user.pk
        asked = int_or_none(request.GET.get("handler"))
        if asked and request.user.has_code(P.MANAGE):
            handler_id = asked
        tasks = selectors.week_tasks(
            actor=request.user, handler_id=handler_id, monday=monday
        )
        days = []
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            days.append(
                {
                    "date": day,
                    "is_today": day == timezone.localdate(),
                    "tasks": [
                        t
                        for t in tasks
                        if timezone.localtime(t.appointment_at).date() == day
                    ],
                }
            )
        return render(
            request,
            "warrants/week.html",
            {
                "days": days,
                "tasks": tasks,
                "unbooked": selectors.unbooked_tasks(
                    actor=request.user, handler_id=handler_id
                ),
                "week": week_label(monday),
                "previous": week_label(monday - dt.timedelta(days=7)),
                "next": week_label(monday + dt.timedelta(days=7)),
                "this_week": week_label(monday_of(None)),
                "handler_id": handler_id,
                "handlers": selectors.handler_choices()
                if request.user.has_code(P.MANAGE)
                else [],
            },
        )


class TaskCreateView(StaffView):
    permissions = {"GET": (P.MANAGE,), "POST": (P.MANAGE,)}

    def _render(self, request, order, form, status=200):
        return render(
            request,
            "warrants/task_form.html",
            {"form": form, "order": order},
            status=status,
        )

    def get(self, request, order_id):
        order = order_get(actor=request.user, order_id=order_id)
        initial = {"handler": request.user.pk}
        if request.GET.get("kind") in WarrantKind.values:
            initial["kind"] = request.GET["kind"]
        return self._render(request, order, TaskCreateForm(initial=initial))

    def post(self, request, order_id):
        order = order_get(actor=request.user, order_id=order_id)
        form = TaskCreateForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: warrant_task_create(actor=request.user, order=order, **data),
            success=_("Warrant task created."),
            redirect_to=_task_url,
        )
        return done or self._render(request, order, form, status=400)


def task_context(request, task, **forms) -> dict:
    version = {"lock_version": task.lock_version}
    edit = TaskEditForm(
        initial={
            **version,
            "handler": task.handler_id,
            "appointment_at": local_input(task.appointment_at),
            "place": task.place,
            "note": task.note,
        }
    )
    return {
        "task": task,
        "order": task.order,
        "documents": selectors.order_documents(
            order=task.order, kinds=selectors.DOCUMENTS_FOR.get(task.kind)
        ),
        "edit_form": forms.get("edit_form") or edit,
        "done_form": forms.get("done_form") or TaskDoneForm(initial=version),
        "cancel_form": forms.get("cancel_form") or TaskCancelForm(initial=version),
        "is_open": task.status in (WarrantStatus.PENDING, WarrantStatus.BOOKED),
    }


class TaskDetailView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, task_id):
        task = selectors.task_get(actor=request.user, task_id=task_id)
        return render(request, "warrants/task.html", task_context(request, task))


class TaskChangeView(StaffView):
    """One of the task page's forms: ``edit`` (book, reschedule, assign), ``done``
    or ``cancel``. A refusal (a stale version among them) shows the task as it is
    now with the form's errors."""

    permissions = {"POST": (P.MANAGE,)}
    step = "edit"
    FORMS = {"edit": TaskEditForm, "done": TaskDoneForm, "cancel": TaskCancelForm}
    MESSAGES = {
        "edit": gettext_lazy("Task saved."),
        "done": gettext_lazy("Task marked done."),
        "cancel": gettext_lazy("Task cancelled."),
    }

    def _changes(self, data: dict) -> dict:
        changes = {k: v for k, v in data.items() if k != "lock_version"}
        if self.step == "done":
            changes["status"] = WarrantStatus.DONE
        elif self.step == "cancel":
            changes["status"] = WarrantStatus.CANCELLED
        return changes

    def post(self, request, task_id):
        task = selectors.task_get(actor=request.user, task_id=task_id)
        form = self.FORMS[self.step](request.POST)
        done = form_submit(
            request,
            form,
            lambda data: warrant_task_update(
                actor=request.user,
                task=task,
                lock_version=data["lock_version"],
                changes=self._changes(data),
            ),
            success=str(self.MESSAGES[self.step]),
            redirect_to=_task_url,
        )
        if done:
            return done
        task = selectors.task_get(actor=request.user, task_id=task_id)
        context = task_context(request, task, **{"%s_form" % self.step: form})
        context["failed"] = self.step
        return render(request, "warrants/task.html", context, status=400)
