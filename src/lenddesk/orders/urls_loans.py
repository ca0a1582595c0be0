"""The loan's pages: submissions, disbursement, schedule, after-loan, approval rates."""

from django.urls import path

from lenddesk.orders import loan_views as views

urlpatterns = [
    path("<int:order_id>/loan/", views.OrderLoanView.as_view(), name="loan"),
    path(
        "<int:order_id>/submissions/",
        views.SubmissionCreateView.as_view(),
        name="submission_create",
    ),
    path(
        "submissions/<int:submission_id>/decision/",
        views.SubmissionDecideView.as_view(),
        name="submission_decide",
    ),
    path(
        "submissions/<int:submission_id>/withdraw/",
        views.SubmissionWithdrawView.as_view(),
        name="submission_withdraw",
    ),
    path(
        "<int:order_id>/disbursement/",
        views.DisbursementRecordView.as_view(),
        name="disbursement_record",
    ),
    path(
        "<int:order_id>/disbursement/reveal/",
        views.DisbursementRevealView.as_view(),
        name="disbursement_reveal",
    ),
    path(
        "instalments/<int:instalment_id>/paid/",
        views.InstalmentPaidView.as_view(),
        name="instalment_paid",
    ),
    path(
        "<int:order_id>/fund-checks/",
        views.FundCheckCreateView.as_view(),
        name="fund_check_create",
    ),
    path("<int:order_id>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("afterloan/", views.AfterLoanView.as_view(), name="afterloan"),
    path("approval-rates/", views.ApprovalRatesView.as_view(), name="approval_rates"),
]
