"""The orders API under /api/v1/ (names in the ``api`` namespace)."""

from lenddesk.orders import api_urls_core, api_urls_loans

urlpatterns = [*api_urls_core.urlpatterns, *api_urls_loans.urlpatterns]
