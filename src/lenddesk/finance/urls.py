"""Pages of the finance app."""

from django.urls import path

from lenddesk.finance.views import books, profit, receivables

app_name = "finance"
urlpatterns = [
    path("", receivables.ReceivableListView.as_view(), name="receivables"),
    path(
        "receivables/<int:receivable_id>/",
        receivables.ReceivableDetailView.as_view(),
        name="receivable",
    ),
    path(
        "receivables/<int:receivable_id>/receipts/",
        receivables.ReceiptCreateView.as_view(),
        name="receipt_add",
    ),
    path(
        "receivables/<int:receivable_id>/refunds/",
        receivables.RefundCreateView.as_view(),
        name="refund_add",
    ),
    path(
        "receivables/<int:receivable_id>/writeoffs/",
        receivables.WriteoffCreateView.as_view(),
        name="writeoff_add",
    ),
    path("accounts/", books.AccountsView.as_view(), name="accounts"),
    path(
        "accounts/<int:account_id>/active/",
        books.AccountToggleView.as_view(),
        name="account_toggle",
    ),
    path("settings/", books.PolicyView.as_view(), name="settings"),
    path("expenses/", books.ExpensesView.as_view(), name="expenses"),
    path("profit/", profit.ProfitView.as_view(), name="profit"),
    path("profit/rows/", profit.ProfitRowsView.as_view(), name="profit_rows"),
    path("close/", books.CloseView.as_view(), name="close"),
]
