from django.apps import AppConfig


class AcquisitionConfig(AppConfig):
    name = "lenddesk.acquisition"
    label = "acquisition"
    verbose_name = "Acquisition"
