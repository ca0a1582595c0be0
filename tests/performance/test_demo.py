"""The demo part: targets for people and departments over four months near their
actuals, the KPI weights, tasks from the team leads (one overdue, one done); run
twice it keeps what it made."""

from lenddesk.performance import demo
from lenddesk.performance.catalogue import shift, this_month
from lenddesk.performance.kpi import kpi_scheme
from lenddesk.performance.models import DepartmentTarget, PersonTarget, Task
from lenddesk.tenancy.context import tenant_context


def test_demo_builds_targets_weights_and_tasks_once(firm, db):
    lines = []
    with tenant_context(firm["tenant"]):
        demo.build(firm["tenant"], lines.append)
        demo.build(firm["tenant"], lines.append)
        now = this_month()
        months = set(PersonTarget.objects.values_list("month", flat=True))
        sellers = set(PersonTarget.objects.values_list("user_id", flat=True))
        root = set(
            DepartmentTarget.objects.filter(department=firm["root"]).values_list(
                "month", flat=True
            )
        )
        weights, cap = kpi_scheme()
        tasks = list(Task.objects.order_by("pk"))
    assert months == {shift(now, n) for n in (-3, -2, -1, 0)} == root
    assert sellers == {firm[k].pk for k in ("s1", "s2", "s3")}
    assert weights == demo.WEIGHTS and cap == 120
    assert [t.assignee_id for t in tasks] == [firm[k].pk for k in ("s1", "s2", "s3")]
    assert [t.is_overdue for t in tasks] == [False, True, False]
    assert "kept" in lines[-1]
