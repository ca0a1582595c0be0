from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "lenddesk.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self):
        from lenddesk.orders import (
            handover,  # noqa: F401 - registers the step
            ownership,  # noqa: F401 - connects receivers
        )
