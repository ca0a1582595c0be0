from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "lenddesk.products"
    label = "products"
    verbose_name = "Products"
