from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "lenddesk.notifications"
    label = "notifications"
    verbose_name = "Notifications"
