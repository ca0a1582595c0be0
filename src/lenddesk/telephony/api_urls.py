"""The telephony API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path

from lenddesk.telephony import api
from lenddesk.telephony.callbacks import ProviderCallbackAPI

CALLBACK = path(
    "telephony/callbacks/<slug:tenant_slug>/<str:provider>/",
    ProviderCallbackAPI.as_view(),
    name="telephony_callback",
)

urlpatterns: list = [
    path(
        "customers/<int:pk>/calls/",
        api.CustomerCallAPI.as_view(),
        name="customer_calls",
    ),
    path("calls/", api.CallListAPI.as_view(), name="call_list"),
    CALLBACK,
]
