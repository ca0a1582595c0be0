from django.urls import path, re_path

from lenddesk.promotion.views import (
    apply,
    builder,
    materials,
    public,
    sharing,
    stats,
)

app_name = "promotion"
urlpatterns = [
    path("links/", sharing.LinksView.as_view(), name="links"),
    path("links/card/", sharing.CardView.as_view(), name="card"),
    path(
        "links/<int:material_id>/qr.png",
        sharing.MaterialQRView.as_view(),
        name="material_qr",
    ),
    path(
        "links/<int:material_id>/poster.png",
        sharing.MaterialPosterView.as_view(),
        name="material_poster",
    ),
    path(
        "links/forms/<int:form_id>/qr.png",
        sharing.FormQRView.as_view(),
        name="form_qr",
    ),
    path("materials/", materials.MaterialListView.as_view(), name="materials"),
    path(
        "materials/new/",
        materials.MaterialCreateView.as_view(),
        name="material_create",
    ),
    path(
        "materials/<int:material_id>/",
        materials.MaterialEditView.as_view(),
        name="material_edit",
    ),
    path(
        "materials/<int:material_id>/image",
        materials.MaterialImageView.as_view(),
        name="material_image",
    ),
    path("forms/", builder.FormListView.as_view(), name="forms"),
    path("forms/new/", builder.FormCreateView.as_view(), name="form_create"),
    path("forms/<int:form_id>/", builder.FormEditView.as_view(), name="form_edit"),
    path("stats/", stats.StatsView.as_view(), name="stats"),
    path(
        "customers/<int:customer_id>/source/",
        stats.LeadSourceView.as_view(),
        name="lead_source",
    ),
    # Public H5 pages: the firm comes from the slug in the link.
    path("f/<slug:slug>/privacy/", public.NoticeView.as_view(), name="notice_public"),
    path(
        "f/<slug:slug>/<slug:key>/", apply.FormPublicView.as_view(), name="form_public"
    ),
    path(
        "f/<slug:slug>/<slug:key>/thanks/",
        apply.FormThanksView.as_view(),
        name="form_thanks",
    ),
    path(
        "m/<slug:slug>/<str:token>/",
        public.MaterialPublicView.as_view(),
        name="material_public",
    ),
    re_path(
        r"^m/(?P<slug>[-a-z0-9]+)/(?P<token>[^/]+)/(?P<part>image|poster|video)$",
        public.MaterialMediaView.as_view(),
        name="material_media",
    ),
]
