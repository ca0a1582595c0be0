"""Warrant centre pages (/warrants/)."""

from django.urls import path

from lenddesk.warrants.views import custody, tasks

app_name = "warrants"
urlpatterns = [
    path("week/", tasks.WeekView.as_view(), name="week"),
    path("tasks/", tasks.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:task_id>/", tasks.TaskDetailView.as_view(), name="task"),
    path(
        "tasks/<int:task_id>/edit/",
        tasks.TaskChangeView.as_view(step="edit"),
        name="task_edit",
    ),
    path(
        "tasks/<int:task_id>/done/",
        tasks.TaskChangeView.as_view(step="done"),
        name="task_done",
    ),
    path(
        "tasks/<int:task_id>/cancel/",
        tasks.TaskChangeView.as_view(step="cancel"),
        name="task_cancel",
    ),
    path(
        "orders/<int:order_id>/tasks/new/",
        tasks.TaskCreateView.as_view(),
        name="task_create",
    ),
    path("custody/", custody.RegisterView.as_view(), name="custody"),
    path(
        "orders/<int:order_id>/originals/new/",
        custody.ReceiveView.as_view(),
        name="receive",
    ),
    path("originals/<int:item_id>/", custody.ItemView.as_view(), name="item"),
    path(
        "originals/<int:item_id>/check-out/",
        custody.CustodyStepView.as_view(step="check_out"),
        name="checkout",
    ),
    path(
        "originals/<int:item_id>/check-in/",
        custody.CustodyStepView.as_view(step="check_in"),
        name="checkin",
    ),
    path(
        "originals/<int:item_id>/move/",
        custody.CustodyStepView.as_view(step="move"),
        name="move",
    ),
    path(
        "originals/<int:item_id>/return/",
        custody.CustodyStepView.as_view(step="return"),
        name="return",
    ),
    path(
        "originals/<int:item_id>/receipt/",
        custody.ReceiptView.as_view(),
        name="receipt",
    ),
    path(
        "orders/<int:order_id>/documents/<int:document_id>/",
        custody.OrderDocumentView.as_view(),
        name="document",
    ),
]
