"""The credit-report API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path

from lenddesk.customers import credit_api

urlpatterns = [
    path("credit/queries/", credit_api.CreditLogAPI.as_view(), name="credit_queries"),
    path(
        "credit/reports/<int:document_id>/open/",
        credit_api.CreditOpenAPI.as_view(),
        name="credit_report_open",
    ),
]
