"""Order pages: the core (board, order page, moves) and, by subject, the workflow
editor and the loan's submission, disbursement and after-loan pages."""

from lenddesk.orders import urls_core, urls_loans, urls_workflows

app_name = "orders"
urlpatterns = [
    *urls_core.urlpatterns,
    *urls_workflows.urlpatterns,
    *urls_loans.urlpatterns,
]
