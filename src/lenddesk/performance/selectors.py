"""Every read of targets, completion, rankings and tasks, inside the actor's data scope.

``completion`` and ``ranking`` are the contract the monthly report reads:

completion(actor, month=, department_id=None, by="user"|"department") -> rows of
    {"kind", "id", "user_id" | None, "department_id" | None, "name", "department",
     "metrics": {code: {"target", "actual", "rate", "url"}}}
    target and actual are int for counts, Decimal (yuan) for money; target is None
    where no target is set; rate is the completion in percent (Decimal, one
    decimal) or None without a target; url is the list behind the actual.
ranking(actor, month=, department_id=None, by="kpi"|<metric>) -> rows of
    {"rank", "user_id", "name", "department", "kpi_score" (Decimal),
     "rates": {code: rate}, "metrics": as above}, best first; by KPI only people
    with a target this month, by a metric everyone with a target or activity.

Actuals come only from ``analytics.facts.fact_totals`` (a department's is the sum
over its subtree), so they equal the dashboards and the drill lists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from lenddesk.accounts.models import Department, User
from lenddesk.analytics.facts import drill_url, fact_totals
from lenddesk.performance.catalogue import (
    TARGET_METRICS,
    is_money,
    month_end,
    month_of,
    shown,
    this_month,
)
from lenddesk.performance.kpi import kpi_scheme, kpi_score
from lenddesk.performance.models import DepartmentTarget, PersonTarget
from lenddesk.performance.reach import managed_departments, managed_people
from lenddesk.performance.selectors_tasks import (  # noqa: F401 - one door for reads
    my_open_tasks,
    task_counts,
    task_get,
    task_list,
)

ZERO = Decimal(0)


def rate_of(actual, target) -> Decimal | None:
    """Completion in percent, one decimal; None without a (positive) target."""
    if target is None or target <= 0:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"))


def _cell(metric: str, target, actual, url: str) -> dict:
    actual = actual if actual is not None else ZERO
    return {
        "target": shown(metric, target),
        "actual": shown(metric, actual),
        "rate": rate_of(actual, target),
        "url": url,
    }


def _actual(row: dict) -> Decimal:
    return row["amount"] if is_money(row["metric"]) else Decimal(row["n"])


def _subtree(department_id: int | None) -> Q:
    if department_id is None:
        return Q()
    path = (
        Department.objects.filter(pk=department_id)
        .values_list("path", flat=True)
        .first()
    )
    return Q(department__path__startswith=path) if path else Q(pk__in=[])


# --- completion ----------------------------------------------------------------------


def _people_rows(actor, month: dt.date, department_id, user_ids=None) -> list[dict]:
    first, last = month, month_end(month)
    people = User.objects.visible_to(actor).filter(_subtree(department_id))
    if user_ids is not None:
        people = people.filter(pk__in=user_ids)
    targets: dict[int, dict[str, Decimal]] = {}
    for row in PersonTarget.objects.visible_to(actor).filter(
        month=month, user__in=people
    ):
        targets.setdefault(row.user_id, {})[row.metric] = row.value
    actuals: dict[int, dict[str, Decimal]] = {}
    for row in fact_totals(
        actor,
        metrics=TARGET_METRICS,
        date_from=first,
        date_to=last,
        by=("user",),
        user_id=user_ids[0] if user_ids and len(user_ids) == 1 else None,
    ):
        if row["user_id"] is not None:
            actuals.setdefault(row["user_id"], {})[row["metric"]] = _actual(row)
    wanted = set(targets) | set(actuals)
    rows = []
    for person in (
        people.filter(pk__in=wanted)
        .select_related("department")
        .order_by("department__path", "display_name", "pk")
    ):
        mine, done = targets.get(person.pk, {}), actuals.get(person.pk, {})
        rows.append(
            {
                "kind": "user",
                "id": person.pk,
                "user_id": person.pk,
                "department_id": person.department_id,
                "name": str(person),
                "department": person.department.name if person.department else "",
                "metrics": {
                    m: _cell(
                        m,
                        mine.get(m),
                        done.get(m),
                        drill_url(m, date_from=first, date_to=last, user_id=person.pk),
                    )
                    for m in TARGET_METRICS
                },
            }
        )
    return rows


def _sums_by_path(actor, first: dt.date, last: dt.date) -> dict[str, dict]:
    """The month's actuals per department (its own people, not its subtree), keyed
    by the department's path so a subtree is a prefix."""
    paths = dict(Department.objects.values_list("pk", "path"))
    by_path: dict[str, dict[str, Decimal]] = {}
    for row in fact_totals(
        actor,
        metrics=TARGET_METRICS,
        date_from=first,
        date_to=last,
        by=("department",),
    ):
        path = paths.get(row["department_id"])
        if path:
            sums = by_path.setdefault(path, {})
            sums[row["metric"]] = sums.get(row["metric"], ZERO) + _actual(row)
    return by_path


def _department_rows(actor, month: dt.date, department_id) -> list[dict]:
    first, last = month, month_end(month)
    departments = list(managed_departments(actor).filter(_root(department_id)))
    if not departments:
        return []
    targets: dict[int, dict[str, Decimal]] = {}
    for row in DepartmentTarget.objects.filter(
        month=month, department__in=[d.pk for d in departments]
    ):
        targets.setdefault(row.department_id, {})[row.metric] = row.value
    by_path = _sums_by_path(actor, first, last)
    rows = []
    for department in departments:
        done: dict[str, Decimal] = {}
        for path, sums in by_path.items():
            if path.startswith(department.path):
                for metric, value in sums.items():
                    done[metric] = done.get(metric, ZERO) + value
        mine = targets.get(department.pk, {})
        rows.append(
            {
                "kind": "department",
                "id": department.pk,
                "user_id": None,
                "department_id": department.pk,
                "name": department.name,
                "department": department.name,
                "depth": department.depth,
                "metrics": {
                    m: _cell(
                        m,
                        mine.get(m),
                        done.get(m),
                        drill_url(
                            m,
                            date_from=first,
                            date_to=last,
                            department_id=department.pk,
                        ),
                    )
                    for m in TARGET_METRICS
                },
            }
        )
    return rows


def _root(department_id) -> Q:
    if department_id is None:
        return Q()
    path = (
        Department.objects.filter(pk=department_id)
        .values_list("path", flat=True)
        .first()
    )
    return Q(path__startswith=path) if path else Q(pk__in=[])


def completion(
    actor, *, month, department_id: int | None = None, by: str = "user"
) -> list[dict]:
    """Target against actual per person (``by="user"``: people in the actor's scope
    with a target or an actual this month) or per department (the departments the
    actor manages, each with its subtree's actual)."""
    month = month_of(month)
    if by == "department":
        return _department_rows(actor, month, department_id)
    return _people_rows(actor, month, department_id)


def my_month(actor, *, month=None) -> dict | None:
    """The actor's own completion this month (the home panel), or None."""
    rows = _people_rows(actor, month_of(month or this_month()), None, [actor.pk])
    return rows[0] if rows else None


# --- ranking -------------------------------------------------------------------------


def _ranked(rows: list[dict], key) -> list[dict]:
    """Standard competition ranking (1, 2, 2, 4) by ``key`` descending."""
    rows.sort(key=lambda r: (r["name"], r["user_id"]))
    rows.sort(key=key, reverse=True)  # stable: ties stay by name
    previous, rank = None, 0
    for index, row in enumerate(rows, start=1):
        if key(row) != previous:
            rank, previous = index, key(row)
        row["rank"] = rank
    return rows


def ranking(
    actor, *, month, department_id: int | None = None, by: str = "kpi"
) -> list[dict]:
    """People in scope ranked by KPI score (``by="kpi"``: those with a target) or by
    one metric's actual (everyone with activity; ties by its completion rate)."""
    weights, cap = kpi_scheme()
    rows = []
    for row in completion(actor, month=month, department_id=department_id):
        rates = {m: c["rate"] for m, c in row["metrics"].items()}
        if by not in TARGET_METRICS and all(
            c["target"] is None for c in row["metrics"].values()
        ):
            continue
        rows.append(
            {
                "rank": 0,
                "user_id": row["user_id"],
                "name": row["name"],
                "department": row["department"],
                "department_id": row["department_id"],
                "kpi_score": kpi_score(rates, weights, cap),
                "rates": rates,
                "metrics": row["metrics"],
            }
        )
    if by in TARGET_METRICS:
        return _ranked(
            rows,
            lambda r: (
                Decimal(r["metrics"][by]["actual"]),
                r["rates"][by] if r["rates"][by] is not None else Decimal(-1),
            ),
        )
    return _ranked(rows, lambda r: r["kpi_score"])


# --- the targets grid ----------------------------------------------------------------


def target_grid(actor, *, month: dt.date, department: Department) -> dict:
    """The grid of one department: its own row on top, then the people of the
    department the actor manages; each cell the stored value (or None)."""
    people = list(
        managed_people(actor)
        .filter(department=department)
        .order_by("display_name", "pk")
    )
    own = {
        r.metric: r.value
        for r in DepartmentTarget.objects.filter(month=month, department=department)
    }
    theirs: dict[int, dict[str, Decimal]] = {}
    for r in PersonTarget.objects.visible_to(actor).filter(
        month=month, user__in=[p.pk for p in people]
    ):
        theirs.setdefault(r.user_id, {})[r.metric] = r.value
    return {
        "department": {
            "id": department.pk,
            "name": department.name,
            "values": {m: shown(m, own.get(m)) for m in TARGET_METRICS},
        },
        "people": [
            {
                "id": p.pk,
                "name": str(p),
                "values": {
                    m: shown(m, theirs.get(p.pk, {}).get(m)) for m in TARGET_METRICS
                },
            }
            for p in people
        ],
    }


def target_rows(actor, *, month: dt.date, department_id: int | None = None):
    """Stored targets of the month the actor may see (the API's list): people's
    through their scope, departments' through the ones they manage."""
    people = PersonTarget.objects.visible_to(actor).filter(month=month)
    departments = DepartmentTarget.objects.filter(
        month=month, department__in=managed_departments(actor)
    )
    if department_id is not None:
        people = people.filter(user__in=User.objects.filter(_subtree(department_id)))
        departments = departments.filter(
            department__in=Department.objects.filter(_root(department_id))
        )
    return people.order_by("user_id", "metric"), departments.order_by(
        "department_id", "metric"
    )
