"""Pages of the performance app (under /performance/; module ``performance``)."""

from django.urls import include, path

from lenddesk.performance.views import completion, targets, tasks

app_name = "performance"
urlpatterns: list = [
    path("targets/", targets.TargetsView.as_view(), name="targets"),
    path("kpi/", targets.KpiView.as_view(), name="kpi"),
    path("completion/", completion.CompletionView.as_view(), name="completion"),
    path("ranking/", completion.RankingView.as_view(), name="ranking"),
    path("tasks/", tasks.TaskListView.as_view(), name="tasks"),
    path("tasks/mine/", tasks.MyTasksView.as_view(), name="my_tasks"),
    path("tasks/new/", tasks.TaskCreateView.as_view(), name="task_create"),
    path("tasks/done/", tasks.TaskBulkDoneView.as_view(), name="tasks_done"),
    path("tasks/<int:task_id>/", tasks.TaskDetailView.as_view(), name="task_detail"),
    path("tasks/<int:task_id>/done/", tasks.TaskDoneView.as_view(), name="task_done"),
    # The monthly reports (performance/urls_reports.py).
    path("", include("lenddesk.performance.urls_reports")),
]
