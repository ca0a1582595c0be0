"""The finance API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path

from lenddesk.finance import api

urlpatterns = [
    path("receivables/", api.ReceivableListAPI.as_view(), name="receivable_list"),
    path(
        "receivables/<int:pk>/",
        api.ReceivableDetailAPI.as_view(),
        name="receivable_detail",
    ),
    path("receipts/", api.ReceiptListAPI.as_view(), name="receipt_list"),
    path("receipts/<int:pk>/", api.ReceiptDetailAPI.as_view(), name="receipt_detail"),
]
