from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lenddesk.web"
    label = "web"
