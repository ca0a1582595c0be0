"""The lists behind the dashboards' numbers (included by analytics/urls.py)."""

from django.urls import path

from lenddesk.analytics.views.drill import DrillExportView, DrillView

urlpatterns: list = [
    path("drill/<slug:metric>/", DrillView.as_view(), name="drill"),
    path("drill/<slug:metric>/export/", DrillExportView.as_view(), name="drill_export"),
]
