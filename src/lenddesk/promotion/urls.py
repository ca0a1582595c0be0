from django.urls import path, re_path

from lenddesk.promotion import views

app_name = "promotion"
urlpatterns = [
    path("links/", views.LinksView.as_view(), name="links"),
    path("links/card/", views.CardView.as_view(), name="card"),
    path(
        "links/<int:material_id>/qr.png",
        views.MaterialQRView.as_view(),
        name="material_qr",
    ),
    path(
        "links/<int:material_id>/poster.png",
        views.MaterialPosterView.as_view(),
        name="material_poster",
    ),
    path(
        "links/forms/<int:form_id>/qr.png", views.FormQRView.as_view(), name="form_qr"
    ),
    path("materials/", views.MaterialListView.as_view(), name="materials"),
    path("materials/new/", views.MaterialCreateView.as_view(), name="material_create"),
    path(
        "materials/<int:material_id>/",
        views.MaterialEditView.as_view(),
        name="material_edit",
    ),
    path(
        "materials/<int:material_id>/image",
        views.MaterialImageView.as_view(),
        name="material_image",
    ),
    path("forms/", views.FormListView.as_view(), name="forms"),
    path("forms/new/", views.FormCreateView.as_view(), name="form_create"),
    path("forms/<int:form_id>/", views.FormEditView.as_view(), name="form_edit"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path(
        "customers/<int:customer_id>/source/",
        views.LeadSourceView.as_view(),
        name="lead_source",
    ),
    # Public H5 pages: the firm comes from the slug in the link.
    path("f/<slug:slug>/privacy/", views.NoticeView.as_view(), name="notice_public"),
    path(
        "f/<slug:slug>/<slug:key>/", views.FormPublicView.as_view(), name="form_public"
    ),
    path(
        "f/<slug:slug>/<slug:key>/thanks/",
        views.FormThanksView.as_view(),
        name="form_thanks",
    ),
    path(
        "m/<slug:slug>/<str:token>/",
        views.MaterialPublicView.as_view(),
        name="material_public",
    ),
    re_path(
        r"^m/(?P<slug>[-a-z0-9]+)/(?P<token>[^/]+)/(?P<part>image|poster|video)$",
        views.MaterialMediaView.as_view(),
        name="material_media",
    ),
]
