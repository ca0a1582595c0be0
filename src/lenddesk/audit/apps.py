from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lenddesk.audit"
    label = "audit"
