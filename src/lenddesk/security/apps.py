from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "lenddesk.security"
    label = "security"
