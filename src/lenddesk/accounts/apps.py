from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lenddesk.accounts"
    label = "accounts"
