from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "lenddesk.performance"
    label = "performance"
    verbose_name = "Performance"
