from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "lenddesk.commissions"
    label = "commissions"
    verbose_name = "Commissions"
