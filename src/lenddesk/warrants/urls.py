"""Warrant centre pages (/warrants/)."""

from django.urls import path

from lenddesk.warrants.views import custody, tasks

app_name = "warrants"

# A task's changes (URL segment = step, name ``task_<step>``) and an original's moves
# (URL segment, step, URL name): one view each, told the step.
TASK_STEPS = ("edit", "done", "cancel")
CUSTODY_STEPS = (
    ("check-out", "check_out", "checkout"),
    ("check-in", "check_in", "checkin"),
    ("move", "move", "move"),
    ("return", "return", "return"),
)

urlpatterns = [
    path("week/", tasks.WeekView.as_view(), name="week"),
    path("tasks/", tasks.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:task_id>/", tasks.TaskDetailView.as_view(), name="task"),
    *(
        path(
            "tasks/<int:task_id>/%s/" % step,
            tasks.TaskChangeView.as_view(step=step),
            name="task_%s" % step,
        )
        for step in TASK_STEPS
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
    *(
        path(
            "originals/<int:item_id>/%s/" % segment,
            custody.CustodyStepView.as_view(step=step),
            name=name,
        )
        for segment, step, name in CUSTODY_STEPS
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
