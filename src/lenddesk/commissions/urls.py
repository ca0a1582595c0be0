"""Pages of the commissions app (under /commissions/; module ``finance``)."""

from django.urls import path, re_path

from lenddesk.commissions.views import payouts as payout_views
from lenddesk.commissions.views import plans, portal, statements

app_name = "commissions"
portal_prefix = "portal/<slug:tenant_slug>/"
urlpatterns = [
    path("staff/", statements.StaffListView.as_view(), name="staff_list"),
    path(
        "staff/<int:statement_id>/",
        statements.StaffDetailView.as_view(),
        name="staff_detail",
    ),
    path(
        "staff/<int:statement_id>/approve/",
        statements.StaffApproveView.as_view(),
        name="staff_approve",
    ),
    path(
        "staff/<int:statement_id>/export.xlsx",
        statements.StaffExportView.as_view(),
        name="staff_export",
    ),
    path("partners/", statements.PartnerListView.as_view(), name="partner_list"),
    path(
        "partners/<int:statement_id>/",
        statements.PartnerDetailView.as_view(),
        name="partner_detail",
    ),
    path(
        "partners/<int:statement_id>/approve/",
        statements.PartnerApproveView.as_view(),
        name="partner_approve",
    ),
    path("build/", statements.MonthBuildView.as_view(), name="build"),
    re_path(
        r"^(?P<kind>staff|partner)/approve-month/$",
        statements.MonthApproveView.as_view(),
        name="approve_month",
    ),
    path(
        "staff/export.xlsx",
        statements.StaffMonthExportView.as_view(),
        name="staff_month_export",
    ),
    path("plans/staff/", plans.StaffPlanView.as_view(), name="staff_plan"),
    path("plans/partners/", plans.PartnerPlansView.as_view(), name="partner_plans"),
    path("payees/<int:partner_id>/", plans.PayeeView.as_view(), name="payee"),
    path("payouts/", payout_views.BatchListView.as_view(), name="batches"),
    path(
        "payouts/<int:batch_id>/", payout_views.BatchDetailView.as_view(), name="batch"
    ),
    re_path(
        r"^payouts/(?P<batch_id>[0-9]+)/file\.(?P<kind>csv|xlsx)$",
        payout_views.BatchFileView.as_view(),
        name="batch_file",
    ),
    path("withholding/", payout_views.WithholdingView.as_view(), name="withholding"),
    path(
        "reconciliation/",
        payout_views.ReconciliationView.as_view(),
        name="reconciliation",
    ),
    path(
        portal_prefix + "statements/",
        portal.PortalStatementsView.as_view(),
        name="portal_statements",
    ),
    path(
        portal_prefix + "statements/<int:statement_id>/",
        portal.PortalStatementView.as_view(),
        name="portal_statement",
    ),
]
