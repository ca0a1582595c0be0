from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "lenddesk.partners"
    label = "partners"
    verbose_name = "Partners"
