"""The contracts API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path

from lenddesk.contracts import api

STEPS = (
    ("send", api.ContractSendAPI),
    ("regenerate", api.ContractRegenerateAPI),
    ("void", api.ContractVoidAPI),
    ("sign", api.ContractSignAPI),
)

urlpatterns = [
    path("contracts/", api.ContractListAPI.as_view(), name="contract_list"),
    path(
        "contracts/<int:pk>/", api.ContractDetailAPI.as_view(), name="contract_detail"
    ),
    *(
        path(
            "contracts/<int:pk>/%s/" % step,
            view.as_view(),
            name="contract_%s" % step,
        )
        for step, view in STEPS
    ),
    *(
        path(
            "contracts/<int:pk>/versions/<int:number>/%s/" % fmt,
            api.ContractDownloadAPI.as_view(fmt=fmt),
            name="contract_download_%s" % fmt,
        )
        for fmt in ("docx", "pdf")
    ),
]
