"""The product's URLs plus the minimal-view baseline."""

from django.http import JsonResponse
from django.urls import path

from lenddesk.urls import handler400, handler403, handler404, handler500  # noqa: F401
from lenddesk.urls import urlpatterns as product


def minimal(request):
    """The cheapest response the product's stack can give: every middleware, no query
    of its own."""
    return JsonResponse({"ok": True})


urlpatterns = [path("__bench/minimal", minimal), *product]
