from django.urls import path, re_path

from lenddesk.customers import import_views, views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("pool/", views.PoolListView.as_view(), name="pool"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("todo/", views.TodoView.as_view(), name="todo"),
    path("funnel/", views.FunnelView.as_view(), name="funnel"),
    path("rules/", views.PoolRulesView.as_view(), name="rules"),
    path("rules/pools/", views.PoolCreateView.as_view(), name="pool_create"),
    path("rules/fields/", views.CustomFieldCreateView.as_view(), name="field_create"),
    path("rules/tags/", views.TagRuleCreateView.as_view(), name="tag_rule_create"),
    path("views/", views.SavedViewCreateView.as_view(), name="saved_view_create"),
    path("assign/", views.AssignView.as_view(), name="assign"),
    path("bulk/", views.BulkActionView.as_view(), name="bulk"),
    path("export.xlsx", views.ExportView.as_view(), name="export"),
    path("exports/", views.ExportListView.as_view(), name="exports"),
    path(
        "exports/approvals/",
        views.ExportApprovalListView.as_view(),
        name="export_approvals",
    ),
    path(
        "exports/<int:job_id>/decide/",
        views.ExportDecideView.as_view(),
        name="export_decide",
    ),
    path(
        "exports/<int:job_id>/",
        views.ExportDownloadView.as_view(),
        name="export_download",
    ),
    path("imports/", import_views.ImportListView.as_view(), name="imports"),
    path(
        "imports/<int:job_id>/",
        import_views.ImportDetailView.as_view(),
        name="import_detail",
    ),
    path(
        "imports/<int:job_id>/errors.csv",
        import_views.ImportErrorsView.as_view(),
        name="import_errors",
    ),
    path("allocation/", import_views.AllocationListView.as_view(), name="allocation"),
    path(
        "allocation/<int:rule_id>/weights/",
        import_views.AllocationWeightsView.as_view(),
        name="allocation_weights",
    ),
    path("<int:customer_id>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:customer_id>/edit/", views.CustomerEditView.as_view(), name="edit"),
    path(
        "<int:customer_id>/followups/",
        views.FollowUpCreateView.as_view(),
        name="followup",
    ),
    path("<int:customer_id>/visits/", views.VisitCreateView.as_view(), name="visit"),
    path("<int:customer_id>/reveal/", views.RevealView.as_view(), name="reveal"),
    re_path(
        r"^(?P<customer_id>[0-9]+)/(?P<action>claim|release|lock|unlock|stage|merge)/$",
        views.CustomerActionView.as_view(),
        name="action",
    ),
    path(
        "<int:customer_id>/documents/",
        views.DocumentUploadView.as_view(),
        name="document_upload",
    ),
    path(
        "documents/<int:document_id>/",
        views.DocumentDownloadView.as_view(),
        name="document_download",
    ),
    path(
        "visits/<int:visit_id>/status/",
        views.VisitStatusView.as_view(),
        name="visit_status",
    ),
]
