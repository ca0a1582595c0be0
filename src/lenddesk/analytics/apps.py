from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "lenddesk.analytics"
    label = "analytics"
    verbose_name = "Analytics"
