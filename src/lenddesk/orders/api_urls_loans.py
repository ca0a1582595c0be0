"""The loan's API routes (``api`` namespace): submissions, decisions, disbursement and
schedule of an order."""

from django.urls import path

from lenddesk.orders import loan_api as api

urlpatterns = [
    path(
        "orders/<int:pk>/submissions/",
        api.OrderSubmissionsAPI.as_view(),
        name="order_submissions",
    ),
    path(
        "submissions/<int:pk>/decision/",
        api.SubmissionDecisionAPI.as_view(),
        name="submission_decision",
    ),
    path(
        "submissions/<int:pk>/withdraw/",
        api.SubmissionWithdrawAPI.as_view(),
        name="submission_withdraw",
    ),
    path(
        "orders/<int:pk>/disbursement/",
        api.OrderDisbursementAPI.as_view(),
        name="order_disbursement",
    ),
    path(
        "orders/<int:pk>/schedule/",
        api.OrderScheduleAPI.as_view(),
        name="order_schedule",
    ),
]
