from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "lenddesk.finance"
    label = "finance"
    verbose_name = "Finance"
