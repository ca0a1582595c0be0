from django.urls import path

from lenddesk.products import match_views, prescreen_views, views

app_name = "products"
urlpatterns = [
    path("", views.ProductListView.as_view(), name="list"),
    path("new/", views.ProductCreateView.as_view(), name="create"),
    path("rule-row/", views.RuleRowView.as_view(), name="rule_row"),
    path("funders/", views.FunderListView.as_view(), name="funders"),
    path("funders/new/", views.FunderCreateView.as_view(), name="funder_create"),
    path("funders/<int:funder_id>/", views.FunderEditView.as_view(), name="funder"),
    path("<int:product_id>/", views.ProductDetailView.as_view(), name="detail"),
    path("<int:product_id>/edit/", views.ProductEditView.as_view(), name="edit"),
    path("<int:product_id>/rules/", views.RulesSaveView.as_view(), name="rules"),
    path("<int:product_id>/cost/", match_views.CostView.as_view(), name="cost"),
    path(
        "<int:product_id>/disclosure/",
        match_views.DisclosureView.as_view(),
        name="disclosure",
    ),
    path(
        "<int:product_id>/reverse/",
        match_views.ReverseMatchStartView.as_view(),
        name="reverse_start",
    ),
    path(
        "reverse/<int:match_job_id>/",
        match_views.ReverseMatchView.as_view(),
        name="reverse",
    ),
    path(
        "reverse/<int:match_job_id>/bulk/",
        match_views.ReverseBulkView.as_view(),
        name="reverse_bulk",
    ),
    path(
        "match/<int:customer_id>/",
        match_views.CustomerMatchView.as_view(),
        name="match",
    ),
    path("matches/<int:run_id>/", match_views.MatchRunView.as_view(), name="match_run"),
    path(
        "prescreen/<int:customer_id>/",
        prescreen_views.PreScreenRunView.as_view(),
        name="prescreen_run",
    ),
    path(
        "prescreens/<int:prescreen_id>/",
        prescreen_views.PreScreenView.as_view(),
        name="prescreen",
    ),
    path(
        "prescreens/<int:prescreen_id>/review/",
        prescreen_views.ReviewRequestView.as_view(),
        name="review_request",
    ),
    path("reviews/", prescreen_views.ReviewListView.as_view(), name="reviews"),
    path(
        "reviews/<int:review_id>/", prescreen_views.ReviewView.as_view(), name="review"
    ),
    path("scorecard/", prescreen_views.ScorecardView.as_view(), name="scorecard"),
]
