from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "lenddesk.performance"
    label = "performance"
    verbose_name = "Performance"

    def ready(self):
        from lenddesk.audit.labels import register_actions
        from lenddesk.performance import notices  # noqa: F401 - registers the kinds
        from lenddesk.performance.audit import PerformanceAudit
        from lenddesk.performance.reports import ReportAudit

        register_actions(PerformanceAudit)
        register_actions(ReportAudit)
