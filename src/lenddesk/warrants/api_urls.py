"""The warrant centre's API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path

from lenddesk.warrants import api

urlpatterns = [
    path(
        "orders/<int:pk>/warrant-tasks/",
        api.WarrantTaskListAPI.as_view(),
        name="warrant_task_list",
    ),
    path(
        "warrant-tasks/<int:pk>/",
        api.WarrantTaskDetailAPI.as_view(),
        name="warrant_task_detail",
    ),
    path(
        "orders/<int:pk>/originals/",
        api.CustodyListAPI.as_view(),
        name="custody_list",
    ),
    path(
        "originals/<int:pk>/entries/",
        api.CustodyEntriesAPI.as_view(),
        name="custody_entries",
    ),
]
