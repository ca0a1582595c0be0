from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "lenddesk.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self):
        from lenddesk.customers import handover  # noqa: F401 - registers the step
