"""Setting targets: the grid's one POST, copying last month's, splitting a
department's target down to its people. Every cell is checked before anything is
written; a refusal names the cell (``u12__calls``, ``d3__fees``) and stores nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.analytics.facts import fact_totals
from lenddesk.audit.services import audit_record
from lenddesk.performance.audit import PerformanceAudit as A
from lenddesk.performance.catalogue import (
    TARGET_METRICS,
    is_money,
    month_end,
    month_of,
    parse_value,
    shift,
)
from lenddesk.performance.errors import PerformanceError, refusal
from lenddesk.performance.models import DepartmentTarget, PersonTarget
from lenddesk.performance.reach import managed_departments, managed_people

PERSON, DEPARTMENT = "user", "department"
PREFIX = {PERSON: "u", DEPARTMENT: "d"}
MODELS = {PERSON: PersonTarget, DEPARTMENT: DepartmentTarget}
Cell = tuple[str, int, str]  # (PERSON or DEPARTMENT, id, metric)


def cell_field(kind: str, subject_id: int, metric: str) -> str:
    """The name of a grid cell (and of its error): ``u12__calls``, ``d3__fees``."""
    return "%s%d__%s" % (PREFIX[kind], subject_id, metric)


def parse_cells(raw: dict[Cell, object]) -> dict[Cell, Decimal | None]:
    """Every cell's value checked; all refusals at once, each naming its cell."""
    values: dict[Cell, Decimal | None] = {}
    errors: dict[str, list] = {}
    for (kind, subject_id, metric), value in raw.items():
        field = cell_field(kind, subject_id, metric)
        if metric not in TARGET_METRICS:
            errors[field] = [
                ValidationError(
                    _("Not a target metric."), code=PerformanceError.TARGET_INVALID
                )
            ]
            continue
        try:
            values[(kind, subject_id, metric)] = parse_value(metric, value, field)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        error = ValidationError(errors, code=PerformanceError.TARGET_INVALID)
        error.code = PerformanceError.TARGET_INVALID
        raise error
    return values


def ensure_manages(actor: User, cells) -> None:
    """Refuse (403) when a cell is for someone or a department the actor does not
    manage (themselves included, unless firm-wide)."""
    people = {sid for kind, sid, _m in cells if kind == PERSON}
    departments = {sid for kind, sid, _m in cells if kind == DEPARTMENT}
    if people:
        known = set(
            managed_people(actor, active_only=False)
            .filter(pk__in=people)
            .values_list("pk", flat=True)
        )
        if people - known:
            raise PermissionDenied(_("You do not manage this person's targets."))
    if departments:
        known = set(
            managed_departments(actor)
            .filter(pk__in=departments)
            .values_list("pk", flat=True)
        )
        if departments - known:
            raise PermissionDenied(_("You do not manage this department's targets."))


def _existing(month: dt.date, cells) -> dict[Cell, object]:
    found: dict[Cell, object] = {}
    for kind, model in MODELS.items():
        ids = {sid for k, sid, _m in cells if k == kind}
        if not ids:
            continue
        key = "%s_id" % kind
        for row in model.objects.filter(month=month, **{"%s__in" % key: ids}):
            found[(kind, getattr(row, key), row.metric)] = row
    return found


def _write(actor: User, month: dt.date, values: dict[Cell, Decimal | None]) -> dict:
    """Store the checked values: create, update or (None) delete; counts per kind."""
    existing = _existing(month, values)
    counts = {"set": 0, "cleared": 0, "unchanged": 0}
    creates = {PERSON: [], DEPARTMENT: []}
    for cell, value in values.items():
        kind, subject_id, metric = cell
        row = existing.get(cell)
        if value is None:
            if row is not None:
                row.delete()
                counts["cleared"] += 1
            continue
        if row is not None and row.value == value:
            counts["unchanged"] += 1
            continue
        counts["set"] += 1
        if row is not None:
            row.value, row.set_by = value, actor
            row.save(update_fields=["value", "set_by", "updated_at"])
            continue
        creates[kind].append(
            MODELS[kind](
                month=month,
                metric=metric,
                value=value,
                set_by=actor,
                **{"%s_id" % kind: subject_id},
            )
        )
    for kind, rows in creates.items():
        MODELS[kind].objects.bulk_create(rows)
    return counts


def _changes(month: dt.date, values: dict[Cell, Decimal | None], counts: dict):
    cells = {
        cell_field(*cell): (str(v) if v is not None else None)
        for cell, v in list(values.items())[:400]
    }
    return {"month": month.isoformat(), **counts, "cells": cells}


@transaction.atomic
def targets_save(*, actor: User, month, cells: dict[Cell, object]) -> dict:
    """Set the given cells of one month (an empty value clears the cell). Returns
    ``{"set", "cleared", "unchanged"}``."""
    month = month_of(month)
    values = parse_cells(cells)
    ensure_manages(actor, values)
    counts = _write(actor, month, values)
    audit_record(
        actor=actor,
        action=A.TARGETS_SAVED,
        object_type="performance.targets",
        object_repr=month.strftime("%Y-%m"),
        changes=_changes(month, values, counts),
    )
    return counts


def _department(actor: User, department_id) -> int:
    if (
        not department_id
        or not managed_departments(actor).filter(pk=department_id).exists()
    ):
        raise PermissionDenied(_("You do not manage this department's targets."))
    return int(department_id)


def _members(actor: User, department_id: int) -> list[User]:
    return list(
        managed_people(actor).filter(department_id=department_id).order_by("pk")
    )


@transaction.atomic
def targets_copy(
    *, actor: User, month, department_id: int, overwrite: bool = False
) -> dict:
    """Last month's targets of the department and its people into ``month``: only
    into empty cells, or over what is there when ``overwrite``."""
    month = month_of(month)
    department_id = _department(actor, department_id)
    source = shift(month, -1)
    people = [u.pk for u in _members(actor, department_id)]
    values: dict[Cell, Decimal | None] = {}
    for row in DepartmentTarget.objects.filter(
        month=source, department_id=department_id
    ):
        values[(DEPARTMENT, department_id, row.metric)] = row.value
    for row in PersonTarget.objects.filter(month=source, user_id__in=people):
        values[(PERSON, row.user_id, row.metric)] = row.value
    if not overwrite:
        taken = _existing(month, values)
        values = {cell: v for cell, v in values.items() if cell not in taken}
    counts = _write(actor, month, values)
    audit_record(
        actor=actor,
        action=A.TARGETS_COPIED,
        object_type="performance.targets",
        object_repr=month.strftime("%Y-%m"),
        changes={**_changes(month, values, counts), "overwrite": overwrite},
    )
    return counts


def split_amounts(total: Decimal, weights: list[Decimal], unit: Decimal) -> list:
    """``total`` in ``unit`` steps, in proportion to ``weights`` (all equal when they
    sum to nothing); each part rounded down, the remainder to the first."""
    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [Decimal(1)] * len(weights)
    whole = sum(weights)
    parts = [
        (total * w / whole / unit).quantize(Decimal(1), rounding=ROUND_DOWN) * unit
        for w in weights
    ]
    parts[0] += total - sum(parts)
    return parts


def _shares(actor, people: list[User], metric: str, month: dt.date) -> list[Decimal]:
    """Each person's actual of the previous month (the basis of a split by share)."""
    source = shift(month, -1)
    ids = [p.pk for p in people]
    totals = {
        row["user_id"]: row["amount"] if is_money(metric) else Decimal(row["n"])
        for row in fact_totals(
            actor,
            metrics=[metric],
            date_from=source,
            date_to=month_end(source),
            by=("user",),
        )
        if row["user_id"] in ids
    }
    return [totals.get(pk, Decimal(0)) for pk in ids]


@transaction.atomic
def targets_split(
    *, actor: User, month, department_id: int, mode: str = "even", metrics=None
) -> dict:
    """The department's targets of ``month`` divided among its people (those the
    actor manages): ``even`` (remainder to the first) or ``share`` (by each one's
    actual of the previous month; evenly when nobody has any). Overwrites their
    cells of those metrics. Returns ``{metric: {user_id: value}}``."""
    month = month_of(month)
    department_id = _department(actor, department_id)
    if mode not in ("even", "share"):
        raise refusal(
            "mode", _("Choose how to split."), PerformanceError.TARGET_INVALID
        )
    people = _members(actor, department_id)
    wanted = [m for m in (metrics or TARGET_METRICS) if m in TARGET_METRICS]
    totals = {
        row.metric: row.value
        for row in DepartmentTarget.objects.filter(
            month=month, department_id=department_id, metric__in=wanted
        )
    }
    if not people or not totals:
        raise refusal(
            "department",
            _("Set the department's targets and give it people first."),
            PerformanceError.NOTHING_TO_SPLIT,
        )
    values: dict[Cell, Decimal | None] = {}
    result: dict[str, dict[int, Decimal]] = {}
    for metric, total in totals.items():
        weights = (
            _shares(actor, people, metric, month)
            if mode == "share"
            else [Decimal(1)] * len(people)
        )
        unit = Decimal("0.01") if is_money(metric) else Decimal(1)
        parts = split_amounts(total, weights, unit)
        result[metric] = {p.pk: part for p, part in zip(people, parts, strict=True)}
        for person, part in zip(people, parts, strict=True):
            values[(PERSON, person.pk, metric)] = part
    counts = _write(actor, month, values)
    audit_record(
        actor=actor,
        action=A.TARGETS_SPLIT,
        object_type="performance.targets",
        object_repr=month.strftime("%Y-%m"),
        changes={**_changes(month, values, counts), "mode": mode},
    )
    return result
