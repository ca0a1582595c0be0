from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "lenddesk.contracts"
    label = "contracts"
    verbose_name = "Contracts"
