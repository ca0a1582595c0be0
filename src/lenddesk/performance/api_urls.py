"""The performance API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path

from lenddesk.performance import api

urlpatterns: list = [
    path(
        "performance/targets/",
        api.TargetListAPI.as_view(),
        name="performance_targets",
    ),
    path(
        "performance/completion/",
        api.CompletionAPI.as_view(),
        name="performance_completion",
    ),
    path(
        "performance/ranking/",
        api.RankingAPI.as_view(),
        name="performance_ranking",
    ),
    path("performance/tasks/", api.TaskListAPI.as_view(), name="performance_tasks"),
    path(
        "performance/tasks/<int:task_id>/",
        api.TaskDetailAPI.as_view(),
        name="performance_task",
    ),
]
