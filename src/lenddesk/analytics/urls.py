"""Pages of the analytics app (under /analytics/; module ``analytics``)."""

from django.urls import include, path

app_name = "analytics"
urlpatterns: list = [
    # The lists behind every number (analytics/urls_drill.py).
    path("", include("lenddesk.analytics.urls_drill")),
]
