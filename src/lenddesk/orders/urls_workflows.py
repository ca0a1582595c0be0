"""The workflow editor (流程配置), under /orders/workflows/."""

from django.urls import path

from lenddesk.orders import workflow_views as views

urlpatterns = [
    path("workflows/", views.WorkflowListView.as_view(), name="workflows"),
    path("workflows/new/", views.WorkflowCreateView.as_view(), name="workflow_create"),
    path(
        "workflows/<int:workflow_id>/",
        views.WorkflowEditorView.as_view(),
        name="workflow",
    ),
    path(
        "workflows/<int:workflow_id>/steps/add/",
        views.NodeAddView.as_view(),
        name="workflow_node_add",
    ),
    path(
        "workflows/<int:workflow_id>/steps/save/",
        views.NodeUpdateView.as_view(),
        name="workflow_node_update",
    ),
    path(
        "workflows/<int:workflow_id>/steps/remove/",
        views.NodeRemoveView.as_view(),
        name="workflow_node_remove",
    ),
    path(
        "workflows/<int:workflow_id>/reorder/",
        views.ReorderView.as_view(),
        name="workflow_reorder",
    ),
    path(
        "workflows/<int:workflow_id>/publish/",
        views.PublishView.as_view(),
        name="workflow_publish",
    ),
    path(
        "workflows/<int:workflow_id>/discard/",
        views.DiscardView.as_view(),
        name="workflow_discard",
    ),
]
