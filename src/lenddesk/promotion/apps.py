from django.apps import AppConfig


class PromotionConfig(AppConfig):
    name = "lenddesk.promotion"
    label = "promotion"
    verbose_name = "Promotion"
