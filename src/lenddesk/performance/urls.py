"""Pages of the performance app (under /performance/; module ``performance``)."""

from django.urls import include, path

app_name = "performance"
urlpatterns: list = [
    # The monthly reports (performance/urls_reports.py).
    path("", include("lenddesk.performance.urls_reports")),
]
