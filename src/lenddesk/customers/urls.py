from django.urls import path, re_path

from lenddesk.customers import credit_views, import_views
from lenddesk.customers.views import detail, exports, lists, records, rules

app_name = "customers"
urlpatterns = [
    path("", lists.CustomerListView.as_view(), name="list"),
    path("pool/", lists.PoolListView.as_view(), name="pool"),
    path("new/", records.CustomerCreateView.as_view(), name="create"),
    path("todo/", lists.TodoView.as_view(), name="todo"),
    path("funnel/", lists.FunnelView.as_view(), name="funnel"),
    path("rules/", rules.PoolRulesView.as_view(), name="rules"),
    path("rules/pools/", rules.PoolCreateView.as_view(), name="pool_create"),
    path("rules/fields/", rules.CustomFieldCreateView.as_view(), name="field_create"),
    path("rules/tags/", rules.TagRuleCreateView.as_view(), name="tag_rule_create"),
    path("views/", lists.SavedViewCreateView.as_view(), name="saved_view_create"),
    path("assign/", lists.AssignView.as_view(), name="assign"),
    path("bulk/", lists.BulkActionView.as_view(), name="bulk"),
    path("export.xlsx", exports.ExportView.as_view(), name="export"),
    path("exports/", exports.ExportListView.as_view(), name="exports"),
    path(
        "exports/approvals/",
        exports.ExportApprovalListView.as_view(),
        name="export_approvals",
    ),
    path(
        "exports/<int:job_id>/decide/",
        exports.ExportDecideView.as_view(),
        name="export_decide",
    ),
    path(
        "exports/<int:job_id>/",
        exports.ExportDownloadView.as_view(),
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
    path("<int:customer_id>/", detail.CustomerDetailView.as_view(), name="detail"),
    path("<int:customer_id>/edit/", records.CustomerEditView.as_view(), name="edit"),
    path(
        "<int:customer_id>/followups/",
        detail.FollowUpCreateView.as_view(),
        name="followup",
    ),
    path("<int:customer_id>/visits/", detail.VisitCreateView.as_view(), name="visit"),
    path("<int:customer_id>/reveal/", detail.RevealView.as_view(), name="reveal"),
    re_path(
        r"^(?P<customer_id>[0-9]+)/(?P<action>claim|release|lock|unlock|stage|merge)/$",
        records.CustomerActionView.as_view(),
        name="action",
    ),
    path(
        "<int:customer_id>/documents/",
        detail.DocumentUploadView.as_view(),
        name="document_upload",
    ),
    path(
        "documents/<int:document_id>/",
        detail.DocumentDownloadView.as_view(),
        name="document_download",
    ),
    path("credit/log/", credit_views.CreditLogView.as_view(), name="credit_log"),
    path(
        "credit/log.csv",
        credit_views.CreditLogExportView.as_view(),
        name="credit_log_export",
    ),
    path(
        "credit/log.xlsx",
        credit_views.CreditLogExportView.as_view(),
        name="credit_log_export_xlsx",
    ),
    path(
        "documents/<int:document_id>/credit/",
        credit_views.CreditOpenView.as_view(),
        name="credit_open",
    ),
    path(
        "<int:customer_id>/credit/authorisations/",
        credit_views.CreditConsentView.as_view(),
        name="credit_consent",
    ),
    path(
        "<int:customer_id>/credit/authorisations/revoke/",
        credit_views.CreditRevokeView.as_view(),
        name="credit_revoke",
    ),
    path(
        "visits/<int:visit_id>/status/",
        detail.VisitStatusView.as_view(),
        name="visit_status",
    ),
]
