"""Demo: targets for the demo firm's salespeople and their departments for the last
three months and this one (near each person's actuals, so completion and rankings
have a shape: some ahead, some behind), the firm's KPI weights, and a few tasks from
the team leads (one overdue, one done). Played after the analytics part, whose facts
it reads."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from lenddesk.accounts.models import Department, User
from lenddesk.analytics.facts import fact_totals
from lenddesk.performance.catalogue import (
    TARGET_METRICS,
    is_money,
    month_end,
    shift,
    this_month,
)
from lenddesk.performance.models import PersonTarget, Task
from lenddesk.performance.reach import managed_people
from lenddesk.performance.services.kpi import kpi_save
from lenddesk.performance.services.targets import DEPARTMENT, PERSON, targets_save
from lenddesk.performance.services.tasks import task_create, task_done

SEED = 20261219
WEIGHTS = {
    "new_customers": 10,
    "followups": 10,
    "calls": 10,
    "visits": 10,
    "signed_orders": 20,
    "disbursed": 25,
    "fees": 15,
}
# A month with nothing yet still gets a target: (count, yuan) per metric.
FLOOR = {
    "new_customers": 5,
    "followups": 10,
    "calls": 10,
    "visits": 2,
    "signed_orders": 1,
    "disbursed": Decimal("100000"),
    "fees": Decimal("3000"),
}
ROUND_TO = {"disbursed": Decimal("10000"), "fees": Decimal("500")}
TASKS = (
    # title, hours until due (negative: overdue), the assignee's note when done
    ("回访本周新进客户，更新跟进记录", 30, ""),
    ("整理本月待签约客户名单", -20, ""),
    ("准备季度资方对接材料", 72, ""),
    ("完成上月放款客户满意度回访", 48, "已全部回访，两位客户有转介绍意向"),
)


def _nice(metric: str, value: Decimal) -> Decimal:
    if is_money(metric):
        step = ROUND_TO[metric]
        value = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
        return max(value, step)
    return max(value.quantize(Decimal(1), rounding=ROUND_HALF_UP), Decimal(1))


def _actuals(actor, first: dt.date, last: dt.date) -> dict:
    found: dict[tuple, Decimal] = {}
    for row in fact_totals(
        actor,
        metrics=TARGET_METRICS,
        date_from=first,
        date_to=last,
        by=("user", "month"),
    ):
        value = row["amount"] if is_money(row["metric"]) else Decimal(row["n"])
        found[(row["user_id"], row["month"], row["metric"])] = value
    return found


def _person_cells(people, months, actual, rng) -> dict[dt.date, dict]:
    cells: dict[dt.date, dict] = {m: {} for m in months}
    for person in people:
        for metric in TARGET_METRICS:
            past = [actual.get((person.pk, m, metric), Decimal(0)) for m in months[:-1]]
            usual = max(sum(past) / len(past), Decimal(FLOOR[metric]))
            for month in months:
                base = actual.get((person.pk, month, metric)) or usual
                if month == months[-1]:
                    base = usual  # this month: planned from the months before
                factor = Decimal(str(round(rng.uniform(0.8, 1.3), 2)))
                cells[month][(PERSON, person.pk, metric)] = _nice(metric, base * factor)
    return cells


def _add_departments(cells: dict, people) -> None:
    """Each department's target: its subtree's people's targets, rounded."""
    where = {p.pk: p.department.path for p in people if p.department}
    for department in Department.objects.all():
        inside = [pk for pk, path in where.items() if path.startswith(department.path)]
        if not inside:
            continue
        for metric in TARGET_METRICS:
            total = sum(cells.get((PERSON, pk, metric), Decimal(0)) for pk in inside)
            cells[(DEPARTMENT, department.pk, metric)] = _nice(metric, total)


def _assignments() -> list[tuple[User, User]]:
    """(team lead, person) pairs: the first two people each team lead manages."""
    pairs = []
    for lead in User.objects.filter(roles__key="team_lead").distinct().order_by("pk"):
        people = managed_people(lead).order_by("pk")[:2]
        pairs += [(lead, person) for person in people]
    return pairs


def _tasks(log) -> None:
    made = 0
    for (boss, person), (title, hours, note) in zip(
        _assignments(), TASKS, strict=False
    ):
        task = task_create(
            actor=boss,
            assignee_id=person.pk,
            title=title,
            description="",
            due_at=timezone.now() + dt.timedelta(hours=max(hours, 1)),
        )
        if hours < 0:  # an overdue one: its due time moved back
            Task.objects.filter(pk=task.pk).update(
                due_at=timezone.now() + dt.timedelta(hours=hours)
            )
        if note:
            task_done(actor=person, task=task, note=note)
        made += 1
    log("performance: %d tasks from the team leads" % made)


def build(tenant, log) -> None:
    if PersonTarget.objects.exists():
        log("performance: %d targets (kept)" % PersonTarget.objects.count())
        return
    gm = User.objects.filter(username="gm").first()
    people = list(
        User.objects.filter(roles__key__in=["salesperson", "telemarketer"])
        .select_related("department")
        .distinct()
        .order_by("pk")
    )
    if gm is None or not people:
        log("performance: no general manager or salespeople")
        return
    now = this_month()
    months = [shift(now, -3), shift(now, -2), shift(now, -1), now]
    actual = _actuals(gm, months[0], month_end(now))
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo data, not secrets
    for month, cells in _person_cells(people, months, actual, rng).items():
        _add_departments(cells, people)
        targets_save(actor=gm, month=month, cells=cells)
    kpi_save(actor=gm, weights=WEIGHTS, cap_percent=120)
    log(
        "performance: targets of %d people and their departments for %s … %s, "
        "KPI weights"
        % (len(people), months[0].strftime("%Y-%m"), now.strftime("%Y-%m"))
    )
    _tasks(log)
