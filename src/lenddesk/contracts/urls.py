"""Contract pages (/contracts/)."""

from django.urls import path

from lenddesk.contracts import template_views, views

app_name = "contracts"

# step → the view that takes it (signing and voiding need contracts.sign)
STEPS = (
    ("send", views.ContractStepView),
    ("regenerate", views.ContractStepView),
    ("void", views.ContractSignView),
    ("sign", views.ContractSignView),
)

urlpatterns = [
    path("", views.ContractListView.as_view(), name="list"),
    path("<int:contract_id>/", views.ContractDetailView.as_view(), name="detail"),
    *(
        path(
            "<int:contract_id>/%s/" % step,
            view.as_view(step=step),
            name=step,
        )
        for step, view in STEPS
    ),
    *(
        path(
            "<int:contract_id>/versions/<int:number>/%s/" % fmt,
            views.ContractDownloadView.as_view(fmt=fmt),
            name="download_%s" % fmt,
        )
        for fmt in ("docx", "pdf")
    ),
    path(
        "orders/<int:order_id>/generate/",
        views.ContractGenerateView.as_view(),
        name="generate",
    ),
    path("templates/", template_views.TemplateListView.as_view(), name="templates"),
    path(
        "templates/placeholders/",
        template_views.PlaceholderView.as_view(),
        name="placeholders",
    ),
    path(
        "templates/sample/",
        template_views.SampleDownloadView.as_view(),
        name="sample",
    ),
    path(
        "templates/settings/",
        template_views.SettingView.as_view(),
        name="setting",
    ),
    path(
        "templates/<int:template_id>/download/",
        template_views.TemplateDownloadView.as_view(),
        name="template_download",
    ),
]
