"""The analytics API under /api/v1/ (names in the ``api`` namespace):
``api:analytics_overview``, ``api:analytics_channels`` … one per dashboard."""

from django.urls import path

from lenddesk.analytics.api import api_view
from lenddesk.analytics.selectors import DASHBOARDS

urlpatterns: list = [
    path("analytics/%s/" % key, api_view(key), name="analytics_%s" % key)
    for key in DASHBOARDS
]
