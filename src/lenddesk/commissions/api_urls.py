"""The commissions API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path, re_path

from lenddesk.commissions import api

urlpatterns = [
    path(
        "commissions/staff-statements/",
        api.StaffStatementListAPI.as_view(),
        name="commission_staff_statements",
    ),
    path(
        "commissions/staff-statements/<int:pk>/",
        api.StaffStatementDetailAPI.as_view(),
        name="commission_staff_statement",
    ),
    path(
        "commissions/staff-statements/<int:pk>/approve/",
        api.StaffStatementApproveAPI.as_view(),
        name="commission_staff_statement_approve",
    ),
    path(
        "commissions/partner-statements/<int:pk>/approve/",
        api.PartnerStatementApproveAPI.as_view(),
        name="commission_partner_statement_approve",
    ),
    path(
        "commissions/partner-statements/",
        api.PartnerStatementListAPI.as_view(),
        name="commission_partner_statements",
    ),
    path(
        "commissions/partner-statements/<int:pk>/",
        api.PartnerStatementDetailAPI.as_view(),
        name="commission_partner_statement",
    ),
    path(
        "commissions/payouts/", api.PayoutListAPI.as_view(), name="commission_payouts"
    ),
    path(
        "commissions/payouts/<int:pk>/",
        api.PayoutDetailAPI.as_view(),
        name="commission_payout",
    ),
    path(
        "commissions/payouts/<int:pk>/paid/",
        api.PayoutPaidAPI.as_view(),
        name="commission_payout_paid",
    ),
    re_path(
        r"^commissions/payouts/(?P<pk>[0-9]+)/file\.(?P<kind>csv|xlsx)$",
        api.PayoutFileAPI.as_view(),
        name="commission_payout_file",
    ),
]
