"""The targets grid (目标): one department's row on top, its people below, the seven
metrics across; saved in one POST, copied from last month, split down. And the
firm's KPI weights."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.performance.catalogue import TARGET_METRICS, is_money
from lenddesk.performance.forms import KpiForm
from lenddesk.performance.kpi import kpi_scheme
from lenddesk.performance.permissions import PerformancePermission as P
from lenddesk.performance.reach import managed_departments, managed_people
from lenddesk.performance.selectors import target_grid
from lenddesk.performance.services.kpi import kpi_save
from lenddesk.performance.services.targets import (
    DEPARTMENT,
    PERSON,
    cell_field,
    targets_copy,
    targets_save,
    targets_split,
)
from lenddesk.performance.views.common import (
    department_param,
    metric_columns,
    month_context,
    month_param,
)
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit

CELL = re.compile(r"^([ud])([0-9]{1,18})__([a-z_]{1,30})$")


def posted_cells(data) -> dict:
    """The grid's cells of a POST: ``u12__calls`` → (PERSON, 12, "calls")."""
    cells = {}
    for key, value in data.items():
        match = CELL.match(key)
        if match:
            kind = PERSON if match.group(1) == "u" else DEPARTMENT
            cells[(kind, int(match.group(2)), match.group(3))] = value
    return cells


def _grid_rows(grid: dict, posted, errors: dict) -> list[dict]:
    def row(kind, subject, label):
        cells = []
        for metric in TARGET_METRICS:
            name = cell_field(kind, subject["id"], metric)
            value = subject["values"][metric]
            cells.append(
                {
                    "name": name,
                    "value": posted.get(name, "") if posted is not None else value,
                    "errors": errors.get(name, []),
                    "money": is_money(metric),
                }
            )
        return {"kind": kind, "label": label, "cells": cells}

    rows = [row(DEPARTMENT, grid["department"], grid["department"]["name"])]
    rows += [row(PERSON, person, person["name"]) for person in grid["people"]]
    return rows


class TargetsView(StaffView):
    permissions = {"GET": (P.TARGETS,), "POST": (P.TARGETS,)}

    def _chosen(self, department_id):
        departments = list(managed_departments(self.actor).order_by("path"))
        if department_id is None:
            return departments, self._first(departments)
        chosen = next((d for d in departments if d.pk == department_id), None)
        if chosen is None:
            raise Http404
        return departments, chosen

    def _first(self, departments):
        """The actor's own department, else the first with people they manage."""
        own = next((d for d in departments if d.pk == self.actor.department_id), None)
        if own is not None or not departments:
            return own or None
        staffed = set(
            managed_people(self.actor)
            .filter(department__in=departments)
            .values_list("department_id", flat=True)
        )
        return next((d for d in departments if d.pk in staffed), departments[0])

    def _page(self, request, month, department_id, posted=None, errors=None):
        departments, chosen = self._chosen(department_id)
        grid = (
            target_grid(self.actor, month=month, department=chosen) if chosen else None
        )
        errors = errors or {}
        return render(
            request,
            "performance/targets.html",
            {
                "title": _("Targets"),
                **month_context(month),
                "departments": departments,
                "department": chosen,
                "keep": "&department=%d" % chosen.pk if chosen else "",
                "metrics": metric_columns(),
                "rows": _grid_rows(grid, posted, errors) if grid else [],
                "other_errors": [
                    m for k, msgs in errors.items() if not CELL.match(k) for m in msgs
                ],
            },
            status=400 if errors else 200,
        )

    def get(self, request):
        return self._page(request, month_param(request), department_param(request))

    def post(self, request):
        month, department_id = month_param(request), department_param(request)
        _departments, chosen = self._chosen(department_id)
        if chosen is None:
            raise Http404
        action = request.POST.get("action", "save")
        try:
            note = self._act(action, month, chosen.pk, request.POST)
        except ValidationError as exc:
            errors = (
                {k: list(v) for k, v in exc.message_dict.items()}
                if hasattr(exc, "error_dict")
                else {"__all__": exc.messages}
            )
            posted = request.POST if action == "save" else None
            return self._page(request, month, chosen.pk, posted, errors)
        messages.success(request, note)
        return redirect(
            "%s?month=%s&department=%d"
            % (reverse("performance:targets"), month.strftime("%Y-%m"), chosen.pk)
        )

    def _act(self, action: str, month, department_id: int, data) -> str:
        if action == "copy":
            counts = targets_copy(
                actor=self.actor,
                month=month,
                department_id=department_id,
                overwrite=data.get("overwrite") == "1",
            )
            return _("%(n)d targets copied from last month.") % {"n": counts["set"]}
        if action == "split":
            targets_split(
                actor=self.actor,
                month=month,
                department_id=department_id,
                mode=data.get("mode", "even"),
            )
            return _("The department's targets were split among its people.")
        counts = targets_save(actor=self.actor, month=month, cells=posted_cells(data))
        return _("Targets saved: %(set)d set, %(cleared)d cleared.") % counts


class KpiView(StaffView):
    permissions = {"GET": (P.KPI,), "POST": (P.KPI,)}

    def _render(self, request, form, status=200):
        return render(
            request,
            "performance/kpi.html",
            {"title": _("KPI weights"), "form": form},
            status=status,
        )

    def get(self, request):
        weights, cap = kpi_scheme()
        return self._render(request, KpiForm(initial={**weights, "cap_percent": cap}))

    def post(self, request):
        form = KpiForm(request.POST)
        answer = form_submit(
            request,
            form,
            lambda data: kpi_save(
                actor=self.actor,
                weights={m: data.get(m) for m in TARGET_METRICS},
                cap_percent=data["cap_percent"],
            ),
            success=_("KPI weights saved."),
            redirect_to=reverse("performance:kpi"),
        )
        return answer or self._render(request, form, status=400)
