"""Pages of the analytics app (under /analytics/; module ``analytics``)."""

from django.urls import include, path

from lenddesk.analytics.selectors import DASHBOARDS
from lenddesk.analytics.views.dashboards import export_view, page_view

app_name = "analytics"
urlpatterns: list = [
    # The lists behind every number (analytics/urls_drill.py).
    path("", include("lenddesk.analytics.urls_drill")),
    # The dashboards: 数据看板 at /analytics/, the others beside it; each with its
    # Excel export.
    path("", page_view("overview"), name="overview"),
    path("export/", export_view("overview"), name="overview_export"),
]
urlpatterns += [
    route
    for key in DASHBOARDS
    if key != "overview"
    for route in (
        path("%s/" % key, page_view(key), name=key),
        path("%s/export/" % key, export_view(key), name="%s_export" % key),
    )
]
