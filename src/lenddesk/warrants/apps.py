from django.apps import AppConfig


class WarrantsConfig(AppConfig):
    name = "lenddesk.warrants"
    label = "warrants"
    verbose_name = "Warrants"
