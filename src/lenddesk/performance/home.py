"""The 工作台 panel of performance: my month's completion and my open tasks."""

from lenddesk.performance.catalogue import TARGET_METRICS, metric_label, this_month
from lenddesk.performance.permissions import PerformancePermission as P
from lenddesk.performance.selectors import my_month, my_open_tasks, task_counts
from lenddesk.web.home import HomePanel, register_home_panel


def _build(*, actor) -> dict:
    mine = my_month(actor)
    lines = []
    if mine is not None:
        for metric in TARGET_METRICS:
            cell = mine["metrics"][metric]
            if cell["target"] is not None:
                lines.append({"label": metric_label(metric), **cell})
    return {
        "perf_month": this_month(),
        "perf_lines": lines,
        "perf_tasks": my_open_tasks(actor),
        "perf_counts": task_counts(actor, mine=True),
    }


register_home_panel(
    HomePanel(
        key="performance",
        module="performance",
        template="performance/_home.html",
        build=_build,
        codes=(P.VIEW,),
        order=25,
    )
)
