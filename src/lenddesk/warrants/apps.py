from django.apps import AppConfig


class WarrantsConfig(AppConfig):
    name = "lenddesk.warrants"
    label = "warrants"
    verbose_name = "Warrants"

    def ready(self):
        from lenddesk.warrants import handover  # noqa: F401 - registers the step
