from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "lenddesk.orders"
    label = "orders"
    verbose_name = "Orders"
