"""A URL conf with one page and one API route inside a plan module, to prove the gate
itself (the real module pages arrive with their issues)."""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response

from lenddesk.urls import urlpatterns as real_patterns
from lenddesk.web.access import StaffView
from lenddesk.web.api import TenantAPIView
from lenddesk.web.menu import MenuItem, register_menu


class CustomerProbe(StaffView):
    permissions = {"GET": (), "POST": ()}

    def get(self, request):
        return HttpResponse("customers page")

    def post(self, request):
        return HttpResponse("customers write")


class CustomerProbeAPI(TenantAPIView):
    module = "customers"
    permissions = {"GET": ()}

    def get(self, request):
        return Response({"ok": True})


probe = (
    [
        path("", CustomerProbe.as_view(), name="list"),
    ],
    "customers",
)
urlpatterns = [
    path("probe-customers/", include(probe)),
    path("api/v1/probe-customers/", CustomerProbeAPI.as_view()),
    *real_patterns,
]
register_menu(MenuItem("客户探针", "customers:list", "customers", order=10))
