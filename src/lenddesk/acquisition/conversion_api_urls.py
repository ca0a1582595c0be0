"""Conversion feedback in the API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path

from lenddesk.acquisition import conversion_api as api

urlpatterns: list = [
    path(
        "integrations/<int:integration_id>/conversions/",
        api.ConversionSettingsAPI.as_view(),
        name="conversion_settings",
    ),
    path(
        "integrations/<int:integration_id>/conversions/secret/",
        api.ConversionSecretAPI.as_view(),
        name="conversion_secret",
    ),
    path(
        "integrations/<int:integration_id>/conversions/callbacks/",
        api.ConversionCallbackListAPI.as_view(),
        name="conversion_callbacks",
    ),
    path(
        "integrations/<int:integration_id>/conversions/retry/",
        api.ConversionRetryAPI.as_view(),
        name="conversion_retry",
    ),
]
