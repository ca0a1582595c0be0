from django.urls import path

from lenddesk.acquisition import conversion_views, views

app_name = "acquisition"
urlpatterns = [
    path("channels/", views.ChannelListView.as_view(), name="channels"),
    path(
        "channels/<int:channel_id>/",
        views.ChannelEditView.as_view(),
        name="channel_edit",
    ),
    path(
        "channels/<int:channel_id>/toggle/",
        views.ChannelToggleView.as_view(),
        name="channel_toggle",
    ),
    path(
        "channels/<int:channel_id>/accounts/",
        views.AdAccountCreateView.as_view(),
        name="account_create",
    ),
    path(
        "accounts/<int:account_id>/",
        views.AdAccountEditView.as_view(),
        name="account_edit",
    ),
    path("spend/", views.SpendView.as_view(), name="spend"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("integrations/", views.IntegrationListView.as_view(), name="integrations"),
    path(
        "integrations/new/",
        views.IntegrationCreateView.as_view(),
        name="integration_create",
    ),
    path(
        "integrations/<int:integration_id>/",
        views.IntegrationDetailView.as_view(),
        name="integration_detail",
    ),
    path(
        "integrations/<int:integration_id>/edit/",
        views.IntegrationEditView.as_view(),
        name="integration_edit",
    ),
    path(
        "integrations/<int:integration_id>/rotate/",
        views.IntegrationRotateView.as_view(),
        name="integration_rotate",
    ),
    path(
        "integrations/<int:integration_id>/deliveries/<int:delivery_id>/replay/",
        views.DeliveryReplayView.as_view(),
        name="delivery_replay",
    ),
    path(
        "integrations/<int:integration_id>/conversions/",
        conversion_views.ConversionSettingsView.as_view(),
        name="conversion_settings",
    ),
    path(
        "integrations/<int:integration_id>/conversions/secret/",
        conversion_views.ConversionSecretView.as_view(),
        name="conversion_secret",
    ),
    path(
        "integrations/<int:integration_id>/conversions/log/",
        conversion_views.ConversionLogView.as_view(),
        name="conversion_log",
    ),
    path(
        "integrations/<int:integration_id>/conversions/retry/",
        conversion_views.ConversionRetryView.as_view(),
        name="conversion_retry",
    ),
    path("notice/", views.NoticeView.as_view(), name="notice"),
    path(
        "customers/<int:customer_id>/source/",
        views.CustomerSourceView.as_view(),
        name="customer_source",
    ),
]
