"""The monthly report pages (included by performance/urls.py)."""

from django.urls import path

from lenddesk.performance.views.reports import (
    ReportDetailView,
    ReportGenerateView,
    ReportListView,
    ReportPdfView,
)

urlpatterns: list = [
    path("reports/", ReportListView.as_view(), name="reports"),
    path("reports/generate/", ReportGenerateView.as_view(), name="report_generate"),
    path("reports/<int:report_id>/", ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:report_id>/pdf/", ReportPdfView.as_view(), name="report_pdf"),
]
